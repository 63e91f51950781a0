package org.microthreads.examples;

/** Helpers for printing the library's multi-line reports compactly. */
final class Text {
    private Text() {}

    /**
     * The report with each line prefixed, keeping of each stack only its first frame in the
     * examples' own code (the library's and the JDK's frames are left out).
     */
    static String framesInOurCode(String report, String prefix) {
        StringBuilder sb = new StringBuilder();
        boolean frameShown = false;
        for (String line : report.split("\n")) {
            String s = line.strip();
            if (s.startsWith("at ")) {
                if (frameShown || !s.startsWith("at org.microthreads.examples.")) continue;
                frameShown = true;
            } else {
                frameShown = false;
            }
            sb.append(prefix).append(line).append('\n');
        }
        return sb.toString();
    }

    /** The first frame of {@code t}'s stack in the examples' own code, as {@code Pipes.java:97}. */
    static String firstFrameInOurCode(Throwable t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().startsWith("org.microthreads.examples.")) return e.getFileName() + ":" + e.getLineNumber();
        }
        return "(no frame in our code)";
    }
}
