package org.microthreads.bench.report;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import javax.imageio.ImageIO;
import org.microthreads.bench.report.Goals.Evaluated;
import org.microthreads.bench.report.RunData.Measurement;

/**
 * Writes the benchmark report from what {@code bench/run} left in {@code bench/out/}: run by
 * {@code bench/run} after its summary, from the repository root, with the benchmarks jar on the
 * class path (JDK only, no dependencies).
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar org.microthreads.bench.report.Report [--bench DIR]
 *   java -cp bench/target/benchmarks.jar org.microthreads.bench.report.Report --crop PNG
 * </pre>
 *
 * <p>Reads {@code bench/goals.tsv} (scenarios and goals), {@code bench/out/*} (the run) and
 * {@code bench/RESULTS-preface.md}; appends the run to {@code bench/history.tsv}; writes
 * {@code bench/RESULTS.md} and {@code bench/results.html} for a run of every scenario (full or
 * quick mode), or {@code bench/out/RESULTS-partial.md} and {@code bench/out/results-partial.html}
 * for a run limited by a REGEX (which therefore never replaces the report of a whole run). Its last
 * line, {@code SCREENSHOT <tab> html <tab> png <tab> height}, tells bench/run what to photograph.
 * {@code --crop PNG} cuts the blank bottom off a screenshot taken with a generous window height.
 */
public final class Report {

    final Path bench;
    final RunData run;
    final List<Goals.Goal> goals;
    final List<Evaluated> rows = new ArrayList<>();
    final History history;
    /** Machine and version facts for the header, in order. */
    final Map<String, String> facts = new LinkedHashMap<>();
    final String date;

    private Report(Path bench) throws IOException {
        this.bench = bench;
        this.run = RunData.load(bench.resolve("out"));
        this.goals = Goals.read(bench.resolve("goals.tsv"));
        for (Goals.Goal g : goals) rows.add(Goals.evaluate(g, run));
        this.history = History.read(bench.resolve("history.tsv"));
        Instant started = run.started();
        this.date = started == null ? "unknown" : DateTimeFormatter.ISO_INSTANT.format(started.truncatedTo(ChronoUnit.SECONDS));
        collectFacts(started);
    }

    public static void main(String[] args) throws Exception {
        Path bench = Path.of("bench");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bench" -> bench = Path.of(args[++i]);
                case "--crop" -> {
                    crop(Path.of(args[++i]));
                    return;
                }
                default -> {
                    System.err.println("usage: Report [--bench DIR] | --crop PNG");
                    System.exit(2);
                }
            }
        }
        if (!Files.exists(bench.resolve("out/env.txt"))) {
            System.err.println("Report: " + bench.resolve("out/env.txt") + " is missing: run bench/run first (nothing written)");
            System.exit(1);
        }
        Report r = new Report(bench);
        r.write();
    }

    boolean partial() {
        return run.partial();
    }

    private void write() throws IOException {
        List<Measurement> all = new ArrayList<>(run.results.values());
        String note = "bench/run" + (run.partial() ? " '" + run.regex() + "'" : "")
                + "; loadavg at start " + run.env.getOrDefault("loadavg at start", "?");
        int added = date.equals("unknown") ? 0 : history.append(date, run.commit(), run.mode(), note, all);
        Path md = partial() ? bench.resolve("out/RESULTS-partial.md") : bench.resolve("RESULTS.md");
        Path html = partial() ? bench.resolve("out/results-partial.html") : bench.resolve("results.html");
        Path png = partial() ? bench.resolve("out/results-partial.png") : bench.resolve("results.png");
        Files.writeString(md, Markdown.write(this, html.getFileName().toString()), StandardCharsets.UTF_8);
        Html.Page page = Html.write(this);
        Files.writeString(html, page.text(), StandardCharsets.UTF_8);
        System.out.println("report: " + md + " and " + html + (partial()
                ? " (a REGEX run: bench/RESULTS.md and bench/results.html, the report of the last whole run, are left alone)"
                : ""));
        System.out.println("history: " + (added > 0 ? added + " figures appended to " : "this run is already in ")
                + bench.resolve("history.tsv"));
        long met = rows.stream().filter(e -> e.state() == Goals.State.MET).count();
        long notMet = rows.stream().filter(e -> e.state() == Goals.State.NOT_MET).count();
        long und = rows.stream().filter(e -> e.state() == Goals.State.UNDECIDED).count();
        long nm = rows.stream().filter(e -> e.state() == Goals.State.NOT_MEASURED).count();
        System.out.printf("goals: %d met, %d not met, %d undecided, %d not measured in this run%n", met, notMet, und, nm);
        System.out.println("SCREENSHOT\t" + html + "\t" + png + "\t" + page.height());
    }

    // ---- facts for the header ----

    private void collectFacts(Instant started) {
        Map<String, String> e = run.env;
        facts.put("command", "`" + e.getOrDefault("command", "?") + "`" + (run.partial() ? " (limited to the scenarios matching the REGEX)" : ""));
        facts.put("mode", run.quick()
                ? "**quick mode (smoke check, not for claims)**: JMH 1 fork, 1 warm-up + 3 measured iterations of 1 s; Go and Python twins 1 warm-up + 3 runs (median)"
                : run.mode().equals("full")
                        ? "full: JMH 2 forks, iterations as annotated in each class; Go and Python twins 2 warm-ups + 5 runs (median)"
                        : run.mode());
        String when = date.equals("unknown") ? e.getOrDefault("date", "unknown") : date.replace("T", " ").replace("Z", " UTC");
        Path summary = bench.resolve("out/summary.txt");
        try {
            if (started != null && Files.exists(summary)) {
                Duration d = Duration.between(started, Files.getLastModifiedTime(summary).toInstant());
                if (!d.isNegative()) when += String.format(" (the run took %d min %02d s)", d.toMinutes(), d.toSecondsPart());
            }
        } catch (IOException ignored) {
            // no duration
        }
        facts.put("date", when);
        String mem = memory();
        facts.put("machine", e.getOrDefault("nproc", "?") + " cores (`nproc`), CPU `" + e.getOrDefault("cpu", "?") + "`"
                + (mem == null ? "" : ", " + mem + " RAM") + "; shared with other workers");
        facts.put("load average", "at start " + e.getOrDefault("loadavg at start", "?") + "; when the report was written " + loadNow());
        facts.put("JDK", e.getOrDefault("jdk", "?"));
        List<String> libs = new ArrayList<>();
        version("org.openjdk.jmh", "jmh-core").ifPresent(v -> libs.add("JMH " + v));
        version("com.softwaremill.jox", "channels").ifPresent(v -> libs.add("jox " + v));
        String coroutines = resource("META-INF/kotlinx_coroutines_core.version");
        if (coroutines == null) coroutines = version("org.jetbrains.kotlinx", "kotlinx-coroutines-core-jvm").orElse(null);
        if (coroutines != null) libs.add("kotlinx-coroutines " + coroutines.trim());
        String kotlin = kotlinVersion();
        if (kotlin != null) libs.add("Kotlin " + kotlin);
        String javafx = resource("javafx.properties"); // the UI-loop benchmarks' toolkit (javafx.version=...)
        if (javafx != null) javafx.lines().filter(l -> l.startsWith("javafx.version="))
                .findFirst().ifPresent(l -> libs.add("JavaFX " + l.substring("javafx.version=".length()).trim()));
        facts.put("libraries", libs.isEmpty() ? "?" : String.join(", ", libs)
                + (kotlin == null ? "; Kotlin: not in this build" : ""));
        facts.put("Go", e.getOrDefault("go", "?"));
        if (e.containsKey("python")) facts.put("Python", e.get("python"));
        e.forEach((k, v) -> { // any other line of env.txt (e.g. a kotlin line), shown as is
            if (!Set.of("command", "mode", "date", "nproc", "cpu", "loadavg at start", "jdk", "go", "python", "git").contains(k)) facts.put(k, v);
        });
        facts.put("code", "`" + e.getOrDefault("git", "?") + "`");
        for (String p : run.problems) facts.merge("problems", p, (a, b) -> a + "; " + b);
    }

    private static String memory() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                    return Math.round(kb / 1024.0 / 1024.0) + " GiB";
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return null;
    }

    private static String loadNow() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static java.util.Optional<String> version(String group, String artifact) {
        String text = resource("META-INF/maven/" + group + "/" + artifact + "/pom.properties");
        if (text == null) return java.util.Optional.empty();
        Properties p = new Properties();
        try {
            p.load(new java.io.StringReader(text));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.ofNullable(p.getProperty("version"));
    }

    private static String resource(String name) {
        try (InputStream in = Report.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private static String kotlinVersion() {
        try {
            return String.valueOf(Class.forName("kotlin.KotlinVersion").getField("CURRENT").get(null));
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    // ---- names ----

    /**
     * "plainVirtualThreads" of "SpawnBenchmark.plainVirtualThreads"; "Go GOMAXPROCS=2" of "....go.procs2"; "Python" of
     * "....python".
     */
    static String shortKey(String key) {
        int go = key.indexOf(".go.procs");
        if (go >= 0) {
            String rest = key.substring(go + ".go.procs".length());
            int dot = rest.indexOf('.');
            return "Go GOMAXPROCS=" + (dot < 0 ? rest : rest.substring(0, dot) + rest.substring(dot));
        }
        if (key.endsWith(".python")) return "Python";
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(dot + 1);
    }

    /**
     * {@link #shortKey}, keeping the class when the key is not of {@code group} (a goal row's class): a peer from
     * another scenario, e.g. "GeneratorFlatBenchmark.mtContinuation" in the row of a nested generator.
     */
    static String shortKey(String key, String group) {
        int dot = key.indexOf('.');
        String g = dot < 0 ? key : key.substring(0, dot);
        return g.equals(group) ? shortKey(key) : g + "." + shortKey(key);
    }

    /** One method's figure in a goal row's class ÷ its figure in another class (e.g. nested ÷ flat). */
    record CrossRatio(String key, String otherKey, double ratio) {}

    /**
     * For a goal row whose goal peer is the same method in another class (our nested generator against our flat
     * one): every method measured in both classes, with its figure in the row's class ÷ its figure in the other
     * (every peer's nested ÷ flat, ours included), in family order. Empty for any other row.
     */
    List<CrossRatio> crossRatios(Evaluated e) {
        Goals.Goal g = e.goal();
        if (g.kind() != Goals.Kind.PEER || g.peers().isEmpty()) return List.of();
        String peer = g.peers().getFirst();
        String other = peer.substring(0, Math.max(0, peer.indexOf('.')));
        if (other.isEmpty() || other.equals(g.group()) || !method(peer).equals(method(g.ours()))) return List.of();
        List<CrossRatio> out = new ArrayList<>();
        run.results.values().stream()
                .filter(m -> m.group().equals(g.group()))
                .sorted(java.util.Comparator.comparingInt((Measurement m) -> Family.of(m.key()).ordinal()))
                .forEach(m -> {
                    Measurement o = run.results.get(other + "." + method(m.key()));
                    if (o != null) out.add(new CrossRatio(m.key(), o.key(), m.value() / (o.value() * Fmt.convert(o.unit(), m.unit()))));
                });
        return out;
    }

    /** "kotlinSequence" of "GeneratorFlatBenchmark.kotlinSequence", "go.procs2" of "X.go.procs2". */
    private static String method(String key) {
        return key.substring(key.indexOf('.') + 1);
    }

    /** "`kotlinSequence` 29.1×, `Python` 24.9×" (with {@code code} the Markdown backticks; plain text without). */
    String crossRatioText(List<CrossRatio> rs, boolean code) {
        return rs.stream().map(c -> (code ? "`" : "") + shortKey(c.key()) + (code ? "`" : "") + " " + Fmt.ratio(c.ratio()) + "×")
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** Who a key belongs to, for colours and legends. */
    enum Family {
        OURS("microthreads"), PLAIN("plain JDK"), GO("Go"), KOTLIN("Kotlin"), JOX("jox"), PYTHON("Python"),
        INTERNAL("JDK internals");

        final String label;

        Family(String label) {
            this.label = label;
        }

        static Family of(String key) {
            String m = shortKey(key);
            if (key.contains(".go.procs")) return GO;
            if (key.endsWith(".python")) return PYTHON;
            if (m.startsWith("mt")) return OURS;
            if (m.startsWith("kotlin")) return KOTLIN;
            if (m.startsWith("jox")) return JOX;
            if (m.startsWith("raw")) return INTERNAL;
            return PLAIN;
        }
    }

    /** The groups (benchmark classes) in report order: goals.tsv's order, then any other measured class. */
    List<String> groups() {
        Set<String> g = new LinkedHashSet<>();
        for (Goals.Goal goal : goals) g.add(goal.group());
        for (Measurement m : run.results.values()) g.add(m.group());
        return new ArrayList<>(g);
    }

    /** Groups with at least one figure in this run. */
    boolean measured(String group) {
        return run.results.values().stream().anyMatch(m -> m.group().equals(group));
    }

    /** Why a goal row's key has no figure in this run: the probe's skip, the REGEX, the build, or a failure. */
    String whyNotMeasured(Evaluated e) {
        String k = e.ours().measured() ? e.goalPeer().key() : e.ours().key();
        if (k.contains("SingleCarrier") && run.env.keySet().stream().anyMatch(x -> x.startsWith("single-carrier"))) {
            return "skipped: the probe found no working single-carrier loop";
        }
        if (run.partial() && !selected(k)) return "not selected by the REGEX";
        if (k.contains(".go.")) return run.goRan ? "no Go twin of this scenario" : "the Go twins did not run";
        if (k.endsWith(".python")) return run.pythonRan ? "no Python twin of this scenario" : "the Python twins did not run";
        if (k.startsWith("UiLatency.")) return run.uiRan ? "no result (see bench/run's output)" : "UiLatency did not run";
        if (k.startsWith("Http.")) return run.httpRan
                ? "no result (not in this build, or failed: see bench/out/http-points.tsv and bench/run's output)"
                : "bench/http-run did not run";
        if (k.startsWith("ParkedMemory.")) return run.parkedRan ? "no result (see bench/run's output)" : "ParkedMemory did not run";
        String list = resource("META-INF/BenchmarkList");
        int dot = k.indexOf('.');
        String test = dot < 0 ? k : k.substring(0, dot) + "_" + k.substring(dot + 1).replaceAll("\\[.*$", "") + "_jmhTest";
        if (list != null && list.contains("." + test + " ")) return "in this build, but no result (failed? see bench/out/jmh.txt)";
        return "not in this build";
    }

    /** Whether the run's REGEX selects a key the way bench/run's parts match names (JMH: a find in the full name). */
    private boolean selected(String key) {
        try {
            java.util.regex.Pattern p = java.util.regex.Pattern.compile(run.regex());
            String name = key.startsWith("ParkedMemory.") ? key.substring("ParkedMemory.".length()) : key;
            return p.matcher("org.microthreads.bench." + key).find() || p.matcher(name).find();
        } catch (java.util.regex.PatternSyntaxException x) {
            return true;
        }
    }

    // ---- --crop ----

    /** Cuts the bottom rows that have the colour of the last row (the page's background) off a screenshot. */
    private static void crop(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        if (img == null) throw new IOException(png + ": not an image");
        int w = img.getWidth();
        int bg = img.getRGB(w - 1, img.getHeight() - 1);
        int y = img.getHeight() - 1;
        outer:
        for (; y > 0; y--) {
            for (int x = 0; x < w; x++) if (img.getRGB(x, y) != bg) break outer;
        }
        int h = Math.min(img.getHeight(), y + 24);
        if (h < img.getHeight()) {
            ImageIO.write(img.getSubimage(0, 0, w, h), "png", png.toFile());
        }
        System.out.println("screenshot: " + png + " (" + w + "×" + h + ")");
    }
}
