package org.microthreads.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What one {@code bench/run} left in {@code bench/out/}: env.txt, jmh.json, parked.tsv, ui.tsv, http.tsv, go.tsv, python.tsv. */
final class RunData {

    /**
     * One result. {@code error} is a half-width around {@code value} (NaN: no estimate); {@code errorKind} says
     * what it is. {@code samples} are the raw figures in {@code unit}.
     */
    record Measurement(String key, String source, double value, double error, String errorKind, String unit,
                       List<Double> samples, String note) {
        String group() {
            int dot = key.indexOf('.');
            return dot < 0 ? key : key.substring(0, dot);
        }

        boolean hasError() {
            return !Double.isNaN(error) && !Double.isInfinite(error);
        }
    }

    final Map<String, String> env = new LinkedHashMap<>();
    final Map<String, Measurement> results = new LinkedHashMap<>();
    /** Per JMH class (simple name): "forks × iterations" as JMH ran it. */
    final Map<String, String> jmhConfig = new LinkedHashMap<>();
    final List<String> problems = new ArrayList<>();
    boolean jmhRan;
    boolean parkedRan;
    boolean goRan;
    boolean pythonRan;
    boolean uiRan;
    boolean httpRan;

    static RunData load(Path out) throws IOException {
        RunData d = new RunData();
        d.readEnv(out.resolve("env.txt"));
        d.readJmh(out.resolve("jmh.json"));
        d.readParked(out.resolve("parked.tsv"));
        d.goRan = d.readTwins(out.resolve("go.tsv"), "Go");
        d.pythonRan = d.readTwins(out.resolve("python.tsv"), "Python");
        d.uiRan = d.readTwins(out.resolve("ui.tsv"), "UiLatency"); // same line format: key, figure, unit, samples
        d.httpRan = d.readTwins(out.resolve("http.tsv"), "bench/http-run"); // the same, plus a note (req/s, errors, load)
        return d;
    }

    // ---- env.txt ----

    private void readEnv(Path f) throws IOException {
        if (!Files.exists(f)) {
            problems.add("bench/out/env.txt is missing: machine and command unknown");
            return;
        }
        for (String line : Files.readAllLines(f)) {
            int c = line.indexOf(": ");
            if (c > 0) env.merge(line.substring(0, c).trim(), line.substring(c + 2).trim(), (a, b) -> a + "; " + b);
            else if (!line.isBlank()) env.merge("note", line.trim(), (a, b) -> a + "; " + b);
        }
    }

    String mode() {
        return env.getOrDefault("mode", "unknown");
    }

    boolean quick() {
        return "quick".equals(mode());
    }

    /** The REGEX the run was limited to, "" for all scenarios (read from env.txt's command line). */
    String regex() {
        String cmd = env.getOrDefault("command", "").trim();
        List<String> words = new ArrayList<>(List.of(cmd.split(" ", -1)));
        // "bench/run [--quick ][--no-build ]REGEX": the regex is what follows the options (it may contain spaces)
        int k = 0;
        while (k < words.size() && (words.get(k).equals("bench/run") || words.get(k).startsWith("--") || words.get(k).isEmpty())) k++;
        return String.join(" ", words.subList(k, words.size())).trim();
    }

    boolean partial() {
        return !regex().isEmpty();
    }

    String commit() {
        String g = env.getOrDefault("git", "?");
        String c = g.split("\\s+")[0];
        if (g.contains("uncommitted")) c += "+dirty";
        if (env.keySet().stream().anyMatch(k -> k.startsWith("classpath prepended"))) c += "+overlay";
        return c;
    }

    /** The run's start, from env.txt's {@code date} line (the output of date(1)); null if unreadable. */
    Instant started() {
        String d = env.get("date");
        if (d == null) return null;
        String s = d.trim().replaceAll("\\s+", " ");
        for (String p : List.of("EEE MMM d HH:mm:ss zzz yyyy", "EEE d MMM yyyy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy")) {
            try {
                return ZonedDateTime.parse(s, DateTimeFormatter.ofPattern(p, Locale.ENGLISH)).toInstant();
            } catch (DateTimeParseException e) {
                // next
            }
        }
        return null;
    }

    // ---- jmh.json ----

    private void readJmh(Path f) throws IOException {
        if (!Files.exists(f) || Files.size(f) == 0) return;
        Object root;
        try {
            root = Json.parse(Files.readString(f));
        } catch (IllegalArgumentException e) {
            problems.add("bench/out/jmh.json unreadable (" + e.getMessage() + "); JMH results left out");
            return;
        }
        if (!(root instanceof List<?> list)) return;
        jmhRan = true;
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> b)) continue;
            String bench = String.valueOf(b.get("benchmark"));
            String[] parts = bench.split("\\.");
            String simple = parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : bench;
            String key = simple + params(b.get("params"));
            Map<?, ?> pm = (Map<?, ?>) b.get("primaryMetric");
            if (pm == null) continue;
            double score = Json.number(pm.get("score"));
            double error = Json.number(pm.get("scoreError"));
            String unit = String.valueOf(pm.get("scoreUnit"));
            List<Double> samples = new ArrayList<>();
            List<Integer> perFork = new ArrayList<>();
            if (pm.get("rawData") instanceof List<?> forks) {
                for (Object fork : forks) {
                    if (fork instanceof List<?> its) {
                        perFork.add(its.size());
                        for (Object v : its) samples.add(Json.number(v));
                    }
                }
            }
            String mode = String.valueOf(b.get("mode"));
            // throughput (ops per time): turn it into time per op, so that lower is better everywhere
            if (unit.startsWith("ops/")) {
                String t = unit.substring(4);
                error = error / (score * score);
                score = 1 / score;
                samples.replaceAll(v -> 1 / v);
                unit = t + "/op";
            }
            String note = mode + ", " + perFork.size() + " fork" + (perFork.size() == 1 ? "" : "s") + " × "
                    + (perFork.isEmpty() ? "?" : perFork.getFirst()) + " iterations";
            jmhConfig.putIfAbsent(simple.substring(0, simple.indexOf('.')), note + " (warm-up " + (int) Json.number(b.get("warmupIterations")) + ")");
            results.put(key, new Measurement(key, "JMH", score, error,
                    samples.size() > 1 ? "JMH 99.9% confidence interval" : "", unit, samples, note));
        }
    }

    private static String params(Object p) {
        if (!(p instanceof Map<?, ?> m) || m.isEmpty()) return "";
        StringBuilder b = new StringBuilder("[");
        m.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append(k).append('=').append(v));
        return b.append(']').toString();
    }

    // ---- parked.tsv: RESULT, ParkedMemory.<scenario>, bytes, wake ms, start ms, count ----

    private void readParked(Path f) throws IOException {
        if (!Files.exists(f)) return;
        Map<String, List<double[]>> byKey = new LinkedHashMap<>();
        for (String line : Files.readAllLines(f)) {
            String[] c = line.split("\t");
            if (c.length < 4 || !c[0].equals("RESULT")) continue;
            try {
                double[] v = new double[4];
                for (int k = 0; k < 4; k++) v[k] = k + 2 < c.length ? Double.parseDouble(c[k + 2]) : Double.NaN;
                byKey.computeIfAbsent(c[1], k -> new ArrayList<>()).add(v);
            } catch (NumberFormatException e) {
                problems.add("parked.tsv: unreadable line: " + line);
            }
        }
        parkedRan = !byKey.isEmpty();
        byKey.forEach((key, rows) -> {
            List<Double> bytes = rows.stream().map(r -> r[0]).toList();
            List<Double> wake = rows.stream().map(r -> r[1]).toList();
            double count = rows.getFirst()[3];
            String note = (rows.size() == 1 ? "one measurement" : rows.size() + " measurements (median)")
                    + " of " + String.format(Locale.ROOT, "%,.0f", count) + " parked threads; start "
                    + Fmt.num(median(rows.stream().map(r -> r[2]).toList())) + " ms, wake all "
                    + Fmt.num(median(wake)) + " ms";
            results.put(key, fromSamples(key, "ParkedMemory", bytes, "B", note));
            results.put(key + ".wakeMs", fromSamples(key + ".wakeMs", "ParkedMemory", wake, "ms", "time to wake all and see them end"));
        });
    }

    // ---- go.tsv, python.tsv, ui.tsv, http.tsv: RESULT, key, median, unit, samples [, note] (Go's Parked: "wake N ms") ----

    /** The RESULT lines of the Go or Python twins ({@code source}); whether there was any. */
    private boolean readTwins(Path f, String source) throws IOException {
        if (!Files.exists(f)) return false;
        boolean any = false;
        String file = f.getFileName().toString();
        for (String line : Files.readAllLines(f)) {
            String[] c = line.split("\t");
            if (c.length < 4 || !c[0].equals("RESULT")) continue;
            any = true;
            String key = c[1];
            String unit = c[3];
            String rest = c.length > 4 ? c[4].trim() : "";
            try {
                double median = Double.parseDouble(c[2]);
                if (rest.startsWith("wake")) { // parked: bytes; "wake N ms"
                    double wake = Double.parseDouble(rest.replaceAll("[^0-9.]", ""));
                    results.put(key, new Measurement(key, source, median, Double.NaN, "", "B", List.of(median),
                            "one measurement (heap + goroutine stacks); wake all " + Fmt.num(wake) + " ms"));
                    results.put(key + ".wakeMs", new Measurement(key + ".wakeMs", source, wake, Double.NaN, "", "ms",
                            List.of(wake), "time to wake all"));
                    continue;
                }
                List<Double> samples = new ArrayList<>();
                for (String s : rest.split("\\s+")) if (!s.isEmpty()) samples.add(Double.parseDouble(s));
                String note = c.length > 5 && !c[5].isBlank() ? c[5].trim() // the line's own note (http.tsv)
                        : "median of " + Math.max(1, samples.size()) + " runs, " + unit;
                Measurement m = fromSamples(key, source, samples.isEmpty() ? List.of(median) : samples, unit, note);
                results.put(key, new Measurement(key, source, median, m.error(), m.errorKind(), m.unit(), m.samples(), m.note()));
            } catch (NumberFormatException e) {
                problems.add(file + ": unreadable line: " + line);
            }
        }
        return any;
    }

    /** Median of the samples; error: half their range (none for one sample). */
    private static Measurement fromSamples(String key, String source, List<Double> samples, String unit, String note) {
        double med = median(samples);
        double err = Double.NaN;
        String kind = "";
        if (samples.size() > 1) {
            err = (Collections.max(samples) - Collections.min(samples)) / 2;
            kind = "half the range of " + samples.size() + " samples";
        }
        return new Measurement(key, source, med, err, kind, unit, samples, note);
    }

    static double median(List<Double> xs) {
        List<Double> s = xs.stream().filter(x -> !Double.isNaN(x)).sorted().toList();
        if (s.isEmpty()) return Double.NaN;
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /**
     * The measurement for a goals.tsv key: exact, else the only parameterised variant of it
     * ({@code Class.method[p=v]}); null if not measured (or ambiguous).
     */
    Measurement find(String key) {
        Measurement m = results.get(key);
        if (m != null) return m;
        List<Measurement> c = results.values().stream().filter(r -> r.key().startsWith(key + "[")).toList();
        return c.size() == 1 ? c.getFirst() : null;
    }
}
