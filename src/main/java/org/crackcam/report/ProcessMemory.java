package org.crackcam.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process from {@code /proc/self/status} (Linux); -1 elsewhere. */
public record ProcessMemory(long vmHwmKb, long vmRssKb) {

    public static ProcessMemory read() {
        long hwm = -1, rss = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    hwm = kb(line);
                } else if (line.startsWith("VmRSS:")) {
                    rss = kb(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new ProcessMemory(-1, -1);
        }
        return new ProcessMemory(hwm, rss);
    }

    private static long kb(String line) {
        String[] p = line.trim().split("\\s+");
        return Long.parseLong(p[1]);
    }

    public double hwmMiB() {
        return vmHwmKb / 1024.0;
    }

    public double rssMiB() {
        return vmRssKb / 1024.0;
    }
}
