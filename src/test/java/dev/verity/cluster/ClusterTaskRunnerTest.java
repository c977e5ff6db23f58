package dev.verity.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Hazelcast backend in one JVM: two workers and a submitter on loopback. The same tasks give the same results as the
 * local runner; a worker killed mid-run loses nothing (every task ends exactly once); a wrong password is refused.
 */
class ClusterTaskRunnerTest {
    /** A port range of its own per test run, so that runs beside each other do not join each other's cluster. */
    private static final int PORT = 6100 + (int) (ProcessHandle.current().pid() % 400) * 2;

    /** Sums the bytes of a published file times k, slowly enough that a run takes a while. */
    record SumTask(String id, String file, int k, long sleepMs) implements Task<Long> {
        @Override public Long run(TaskContext context) throws Exception {
            Thread.sleep(sleepMs);
            long s = 0;
            for (byte b : Files.readAllBytes(context.file(file, "data.bin"))) s += b;
            if (k < 0) throw new IllegalArgumentException("negative k " + k);
            return s * k;
        }
    }

    private static ClusterSettings settings(String password, List<String> members, int threads) {
        return new ClusterSettings("verity-test-" + PORT, password, members, null, PORT, threads);
    }

    private static Map<String, String> runAll(TaskRunner runner, Path data, int n, long sleepMs) {
        String h = runner.publish(data);
        List<SumTask> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) tasks.add(new SumTask("t" + i, h, i == 3 ? -1 : i, sleepMs));
        Map<String, String> out = new TreeMap<>();
        runner.runAll(tasks, (t, r) -> {
            String v = switch (r) {
                case TaskResult.Done<Long> d -> "done " + d.value();
                case TaskResult.Failed<Long> f -> "failed " + f.error();
            };
            assertTrue(out.put(t.id(), v) == null, "task " + t.id() + " reported twice");
        });
        return out;
    }

    @Test
    void twoWorkersGiveTheLocalResultsAndAKilledOneLosesNothing(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data.bin");
        Files.write(data, new byte[] {1, 2, 3, 4, 5});
        Map<String, String> local;
        try (LocalTaskRunner runner = new LocalTaskRunner(2)) {
            local = runAll(runner, data, 50, 0);
        }
        assertEquals("done 150", local.get("t10"));
        assertEquals("failed negative k -1", local.get("t3"));

        try (ClusterWorker a = new ClusterWorker(settings("secret", List.of(), 2));
             ClusterWorker b = new ClusterWorker(settings("secret", List.of("127.0.0.1:" + PORT), 2));
             ClusterTaskRunner runner = new ClusterTaskRunner(settings("secret", List.of("127.0.0.1:" + PORT), 1), Duration.ofSeconds(30))) {
            awaitSize(a, 3);
            assertEquals(2, runner.membersAlive());
            assertEquals(local, runAll(runner, data, 50, 0));

            // A worker killed mid-run: its tasks in flight are re-run on the other, and every task ends exactly once.
            AtomicInteger reported = new AtomicInteger();
            String h = runner.publish(data);
            List<SumTask> tasks = new ArrayList<>();
            for (int i = 0; i < 40; i++) tasks.add(new SumTask("u" + i, h, i == 3 ? -1 : i, 50));
            Thread killer = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                b.kill();
            });
            Map<String, String> out = new TreeMap<>();
            runner.runAll(tasks, (t, r) -> {
                reported.incrementAndGet();
                out.put(t.id(), r instanceof TaskResult.Done<Long> d ? "done " + d.value() : "failed " + ((TaskResult.Failed<Long>) r).error());
            });
            killer.join();
            assertEquals(40, reported.get());
            assertEquals(40, out.size());
            for (int i = 0; i < 40; i++) assertEquals(i == 3 ? "failed negative k -1" : "done " + 15L * i, out.get("u" + i), "u" + i);
            assertEquals(1, runner.membersAlive());
        }
    }

    /** Brings down the member it runs on (as a task that crashes its JVM would), unless it is the harmless one. */
    record CrashTask(String id, boolean crash) implements Task<Long> {
        @Override public Long run(TaskContext context) throws Exception {
            if (!crash) return 7L;
            var member = ((WorkerContext) context).member();
            Thread.ofPlatform().start(() -> member.getLifecycleService().terminate());
            // Keep running while the member dies (terminating it interrupts this thread: a reply sent now would be a
            // normal failure, not a lost member); by the end nothing can be sent any more.
            long end = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < end) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    // the member is going down: wait on
                }
            }
            return -1L;
        }
    }

    /** A task that takes its member down is re-run once elsewhere, then reported as failed; the other tasks complete. */
    @Test
    void aTaskThatBringsDownTwoMembersIsAnErrorNotRetriedForever() {
        List<String> members = List.of("127.0.0.1:" + (PORT + 1));
        ClusterSettings first = new ClusterSettings("verity-crash-" + PORT, "pw", List.of(), null, PORT + 1, 1);
        ClusterSettings more = new ClusterSettings("verity-crash-" + PORT, "pw", members, null, PORT + 1, 1);
        try (ClusterWorker a = new ClusterWorker(first); ClusterWorker b = new ClusterWorker(more); ClusterWorker c = new ClusterWorker(more);
             ClusterTaskRunner runner = new ClusterTaskRunner(more, Duration.ofSeconds(30))) {
            for (int i = 0; i < 300 && runner.membersAlive() < 3; i++) Thread.sleep(100);
            assertEquals(3, runner.membersAlive());
            List<CrashTask> tasks = new ArrayList<>();
            for (int i = 0; i < 6; i++) tasks.add(new CrashTask("c" + i, i == 0));
            Map<String, TaskResult<Long>> out = new TreeMap<>();
            runner.runAll(tasks, (t, r) -> assertTrue(out.put(t.id(), r) == null, "reported twice: " + t.id()));
            assertEquals(6, out.size());
            TaskResult.Failed<Long> failed = assertInstanceOf(TaskResult.Failed.class, out.get("c0"));
            assertEquals(ClusterTaskRunner.MAX_CRASHES, failed.crashes(), failed.error());
            for (int i = 1; i < 6; i++) assertEquals(new TaskResult.Done<>(7L), out.get("c" + i));
            assertEquals(1, runner.membersAlive());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aWrongPasswordIsRefused() {
        try (ClusterWorker a = new ClusterWorker(settings("right", List.of(), 1))) {
            ClusterTaskRunner.ClusterException e = assertThrows(ClusterTaskRunner.ClusterException.class,
                    () -> new ClusterTaskRunner(settings("wrong", List.of("127.0.0.1:" + PORT), 1), Duration.ofSeconds(8)).close());
            assertTrue(e.getMessage().contains("password") && e.getMessage().contains("no worker"), e.getMessage());
            assertEquals(1, a.clusterSize(), "the refused member did not join");
        }
    }

    private static void awaitSize(ClusterWorker w, int size) throws InterruptedException {
        for (int i = 0; i < 300 && w.clusterSize() < size; i++) Thread.sleep(100);
        assertEquals(size, w.clusterSize());
    }

}
