package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.cluster.ClusterWorker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;

/** {@code verity worker --cluster NAME}: a cluster member that runs the tasks of {@code eval} and {@code vnncomp} runs. */
@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Starts a member of a Verity cluster (Hazelcast, embedded) that runs the tasks `eval ... --cluster NAME` and "
                        + "`vnncomp ... --cluster NAME` submit: models and properties arrive with the tasks (no shared file system).",
                "Binds to loopback unless --bind says otherwise; members must share the cluster name and the password ("
                        + ClusterOptions.PASSWORD_VARIABLE + " or --password-file). Runs until stopped (Ctrl-C, SIGTERM): its "
                        + "unfinished tasks then run on another member. See docs/scale-out.md."})
final class WorkerCommand implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Mixin ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--threads", paramLabel = "N", description = "Tasks run at once (default: 1; each task's bound engine uses every core).")
    int threads = 1;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() throws InterruptedException {
        if (!cluster.enabled()) throw new InvalidInputException("worker needs --cluster NAME");
        PrintWriter err = spec.commandLine().getErr();
        ClusterWorker worker = new ClusterWorker(cluster.settings(threads, System.getenv()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            worker.close();
            stopped.countDown();
        }));
        err.printf("worker %s in cluster %s (%d thread%s), %d member%s; stop with Ctrl-C%n", worker.address(), cluster.name, threads,
                threads == 1 ? "" : "s", worker.clusterSize(), worker.clusterSize() == 1 ? "" : "s");
        err.flush();
        stopped.await();
        return Main.EXIT_OK;
    }
}
