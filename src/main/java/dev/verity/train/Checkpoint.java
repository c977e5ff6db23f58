package dev.verity.train;

import dev.verity.InvalidInputException;
import dev.verity.tensor.Adam;
import dev.verity.tensor.Tensor;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a training run stands: the next epoch and step, the parameters, Adam's moments, the partial epoch's
 * running sums and the log so far. Written atomically (a temporary file moved into place), so an interrupted run
 * resumes from its last checkpoint; refused when the run's configuration differs.
 */
record Checkpoint(String config, int epoch, int step, double seconds, double[] partial, List<Tensor> parameters,
                  List<Adam.State> optimiser, List<EpochRecord> log) {

    private static final String MAGIC = "verity-train-checkpoint";
    private static final int VERSION = 1;

    void write(Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (var out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeUTF(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(config);
            out.writeInt(epoch);
            out.writeInt(step);
            out.writeDouble(seconds);
            writeArray(out, partial);
            out.writeInt(parameters.size());
            for (Tensor t : parameters) {
                int[] shape = t.shape();
                out.writeInt(shape.length);
                for (int d : shape) out.writeInt(d);
                writeArray(out, t.data());
            }
            for (Adam.State s : optimiser) {
                writeArray(out, s.m());
                writeArray(out, s.v());
                out.writeInt(s.t());
            }
            out.writeInt(log.size());
            for (EpochRecord r : log) out.writeUTF(r.toJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + tmp, e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move checkpoint into place at " + file, e);
        }
    }

    static Checkpoint read(Path file) {
        try (var in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (!MAGIC.equals(in.readUTF()) || in.readInt() != VERSION) throw new InvalidInputException(file + ": not a Verity training checkpoint");
            String config = in.readUTF();
            int epoch = in.readInt(), step = in.readInt();
            double seconds = in.readDouble();
            double[] partial = readArray(in);
            int n = in.readInt();
            List<Tensor> params = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int[] shape = new int[in.readInt()];
                for (int d = 0; d < shape.length; d++) shape[d] = in.readInt();
                params.add(new Tensor(readArray(in), shape));
            }
            List<Adam.State> opt = new ArrayList<>();
            for (int i = 0; i < n; i++) opt.add(new Adam.State(readArray(in), readArray(in), in.readInt()));
            int logs = in.readInt();
            List<EpochRecord> log = new ArrayList<>();
            for (int i = 0; i < logs; i++) log.add(EpochRecord.fromJson(in.readUTF()));
            return new Checkpoint(config, epoch, step, seconds, partial, params, opt, log);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": unreadable training checkpoint (" + e.getMessage() + ")", e);
        }
    }

    private static void writeArray(DataOutputStream out, double[] a) throws IOException {
        out.writeInt(a.length);
        for (double v : a) out.writeDouble(v);
    }

    private static double[] readArray(DataInputStream in) throws IOException {
        double[] a = new double[in.readInt()];
        for (int i = 0; i < a.length; i++) a[i] = in.readDouble();
        return a;
    }
}
