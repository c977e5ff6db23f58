package dev.verity.data;

import dev.verity.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a dataset by looking at what the path is: a folder of IDX files or an ERAN CSV file. */
public final class Datasets {
    private Datasets() {}

    public static Dataset open(Path path) { return open(path, DataFiles.NO_LIMIT); }

    /**
     * A directory is read with {@link IdxReader#readDirectory(Path, int)}, a {@code *.csv} (or {@code *.csv.gz})
     * file with {@link EranCsvReader#read(Path, int)}; only the first {@code limit} samples are loaded.
     */
    public static Dataset open(Path path, int limit) {
        DataFiles.checkLimit(limit);
        if (Files.isDirectory(path)) return IdxReader.readDirectory(path, limit);
        if (!Files.exists(path)) throw new InvalidInputException(path + ": no such file or directory");
        String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".csv") || name.endsWith(".csv.gz")) return EranCsvReader.read(path, limit);
        throw new InvalidInputException(path + ": unknown dataset format: expected a directory with IDX files"
                + " (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) or an ERAN .csv file (label,p0,p1,... per line)");
    }
}
