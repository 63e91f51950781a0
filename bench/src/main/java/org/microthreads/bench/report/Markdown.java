package org.microthreads.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.microthreads.bench.report.Goals.Evaluated;
import org.microthreads.bench.report.Goals.Figure;
import org.microthreads.bench.report.Goals.State;
import org.microthreads.bench.report.RunData.Measurement;

/** bench/RESULTS.md (or bench/out/RESULTS-partial.md). */
final class Markdown {
    private Markdown() {}

    static final String RULE = """
            **How "met?" is decided.** Ratio = ours ÷ the first peer of the row (lower is better everywhere). \
            Each figure carries the error band of this run: for JMH, its 99.9% confidence interval (`scoreError`); \
            for the Go and Python twins, half the range of their samples; a single measurement (ParkedMemory, Go's parked \
            twin) has none and counts as exact (marked †). With ours = o ± eo and the peer p ± ep the ratio may be \
            anywhere from (o − eo) ÷ (p + ep) to (o + eo) ÷ (p − ep); an absolute goal looks at o − eo … o + eo. \
            **yes**: the whole range meets the goal; **no**: none of it does; **undecided**: the goal lies inside \
            the range (this run cannot tell). Quick mode's 3 samples give wide intervals, so many rows are \
            undecided there: that is the honest answer.""";

    static String write(Report r, String htmlName) throws IOException {
        StringBuilder b = new StringBuilder();
        RunData run = r.run;
        b.append(r.partial() ? "# Benchmark results: partial run\n\n" : "# Benchmark results\n\n");
        b.append("<!-- Written by bench/run (org.microthreads.bench.report.Report) from bench/out/, bench/goals.tsv and\n")
                .append("     bench/history.tsv; every run rewrites it. Hand-written prose goes in bench/RESULTS-preface.md. -->\n\n");
        Path preface = r.bench.resolve("RESULTS-preface.md");
        if (r.partial()) {
            b.append("A run limited to the scenarios matching `").append(run.regex()).append("`. It does not replace ")
                    .append("`bench/RESULTS.md`, the report of the last run of every scenario.\n\n");
        } else if (Files.exists(preface)) {
            b.append(Files.readString(preface).strip()).append("\n\n");
        }

        b.append("## ").append(r.partial() ? "This run" : "Latest run").append(": ").append(r.facts.get("date"))
                .append(", code `").append(run.commit()).append("`, ")
                .append(run.quick() ? "quick mode (smoke check, not for claims)" : run.mode() + " mode").append("\n\n");
        if (run.quick()) {
            b.append("> **Quick mode (smoke check, not for claims).** JMH took 3 one-second samples per benchmark ")
                    .append("and the Go and Python twins 3 runs: the error bands are wide and the figures move between sittings. ")
                    .append("Quote only full runs (`./mt bench`).\n\n");
        }
        b.append("| | |\n|---|---|\n");
        r.facts.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(Fmt.cell(v)).append(" |\n"));
        b.append("\nCharts: [").append(htmlName).append("](").append(htmlName).append(")")
                .append(r.partial() ? "" : " (screenshot: [results.png](results.png))")
                .append(". Earlier, hand-written records: [HISTORY.md](").append(r.partial() ? "../HISTORY.md" : "HISTORY.md")
                .append("). Every figure of every run: [history.tsv](").append(r.partial() ? "../history.tsv" : "history.tsv")
                .append(").\n\n");

        goalsTable(r, b);
        details(r, b);
        noise(r, b);
        return b.toString();
    }

    private static boolean anyMeasured(Evaluated e) {
        return e.ours().measured() || e.peers().stream().anyMatch(Figure::measured);
    }

    private static void goalsTable(Report r, StringBuilder b) {
        b.append("## Goals\n\n");
        b.append("Goals and peers: `bench/goals.tsv`. Units as in the Unit column of that file; ")
                .append("\"ns\" per spawn, switch, round trip, item, select or hop, \"ms\" per skynet, \"B\" of heap per parked thread; ")
                .append("HTTP servers (bench/http-run): \"us\" per request (= 1,000,000 ÷ req/s, so lower is better there too; ")
                .append("the req/s are in each figure's note), \"ms\" of p99 latency, \"B\" per idle connection.\n\n");
        List<Evaluated> shown = r.rows.stream().filter(Markdown::anyMeasured).toList();
        List<Evaluated> absent = r.rows.stream().filter(e -> !anyMeasured(e)).toList();
        if (shown.isEmpty()) {
            b.append("No scenario of `bench/goals.tsv` was measured in this run.\n\n");
        } else {
            b.append("| Scenario | Ours | Peers, same run | Ratio ours ÷ peer | Goal | Met? |\n|---|---|---|---|---|---|\n");
            for (Evaluated e : shown) {
                b.append("| ").append(Fmt.cell(e.goal().label())).append(" | ");
                b.append(e.ours().measured() ? "`" + Report.shortKey(e.ours().key()) + "` " + figure(e.ours(), e.goal().unit(), true)
                        : "`" + Report.shortKey(e.ours().key()) + "`: not measured in this run");
                b.append(" | ");
                List<String> peers = new ArrayList<>();
                List<String> ratios = new ArrayList<>();
                for (Figure p : e.peers()) {
                    if (!p.measured()) {
                        peers.add("`" + Report.shortKey(p.key(), e.goal().group()) + "`: not measured");
                        continue;
                    }
                    peers.add("`" + Report.shortKey(p.key(), e.goal().group()) + "` " + figure(p, e.goal().unit(), false));
                    if (e.ours().measured()) {
                        String ratio = Fmt.ratio(e.ours().value() / p.value());
                        boolean goalPeer = p == e.goalPeer() && e.goal().kind() == Goals.Kind.PEER;
                        if (goalPeer && e.lo() != e.hi()) ratio = "**" + ratio + "** (" + Fmt.ratio(e.lo()) + "–" + Fmt.ratio(e.hi()) + ")";
                        else if (goalPeer) ratio = "**" + ratio + "**";
                        ratios.add(ratio + " vs `" + Report.shortKey(p.key(), e.goal().group()) + "`");
                    }
                }
                b.append(String.join("<br>", peers)).append(" | ").append(String.join("<br>", ratios)).append(" | ");
                b.append(Fmt.cell(e.goal().describe())).append(" | ");
                b.append(switch (e.state()) {
                    case MET -> "**yes**";
                    case NOT_MET -> "**no**";
                    case UNDECIDED -> "undecided";
                    case NOT_MEASURED -> "not measured in this run (" + r.whyNotMeasured(e) + ")";
                    case NO_GOAL -> "—";
                });
                b.append(" |\n");
            }
            b.append("\n† single measurement, no error estimate. Ratios in bold: against the peer the goal names, ")
                    .append("with their range given both error bands.\n\n");
            for (Evaluated e : shown) {
                List<Report.CrossRatio> cross = r.crossRatios(e);
                if (cross.isEmpty()) continue;
                String other = e.goal().peers().getFirst();
                b.append("- ").append(e.goal().label()).append(": each one's figure in `").append(e.goal().group())
                        .append("` ÷ its own in `").append(other, 0, other.indexOf('.')).append("`: ")
                        .append(r.crossRatioText(cross, true)).append(".\n");
            }
            if (shown.stream().anyMatch(e -> !r.crossRatios(e).isEmpty())) b.append('\n');
        }
        b.append(RULE).append("\n\n");
        List<Evaluated> decided = shown.stream().filter(e -> e.state() != State.NOT_MEASURED && e.state() != State.NO_GOAL).toList();
        if (!decided.isEmpty()) {
            b.append("<details><summary>Why each verdict</summary>\n\n");
            for (Evaluated e : decided) {
                b.append("- ").append(e.goal().label()).append(" (").append(e.goal().describe()).append("): **")
                        .append(e.state().label).append("**: ").append(e.why()).append(".\n");
            }
            b.append("\n</details>\n\n");
        }
        if (!absent.isEmpty()) {
            b.append("### Not measured in this run\n\n");
            b.append("| Scenario | Ours | Goal | Why |\n|---|---|---|---|\n");
            for (Evaluated e : absent) {
                b.append("| ").append(Fmt.cell(e.goal().label())).append(" | `").append(e.goal().ours()).append("` | ")
                        .append(Fmt.cell(e.goal().describe())).append(" | ").append(r.whyNotMeasured(e)).append(" |\n");
            }
            b.append('\n');
        }
    }

    /** "672 ± 130 ns" (in the row's unit); † when there is no error estimate. */
    static String figure(Figure f, String unit, boolean bold) {
        String v = Fmt.num(f.value());
        if (bold) v = "**" + v + "**";
        String s = f.m().hasError() ? v + " ± " + Fmt.err(f.error(), f.value()) : v + " †";
        return s + " " + Fmt.shortUnit(unit);
    }

    private static void details(Report r, StringBuilder b) {
        b.append("## Every figure of this run\n\n");
        b.append("In the units the benchmarks report. JMH: score ± its 99.9% interval, and the raw samples ")
                .append("(per iteration; forks separated by `|`). Go and Python twins: median of the runs ± half their range. ")
                .append("ParkedMemory: one JVM per scenario, one measurement.\n\n");
        boolean any = false;
        for (String g : r.groups()) {
            if (!r.measured(g)) continue;
            any = true;
            b.append("### ").append(g).append("\n\n");
            String cfg = r.run.jmhConfig.get(g);
            if (cfg != null) b.append("JMH: ").append(cfg).append(".\n\n");
            b.append("| Result key | Figure | ± | Unit | Samples | Note |\n|---|---|---|---|---|---|\n");
            List<Measurement> ms = r.run.results.values().stream().filter(m -> m.group().equals(g))
                    .sorted(Comparator.comparingInt((Measurement m) -> Report.Family.of(m.key()).ordinal()))
                    .toList();
            for (Measurement m : ms) {
                b.append("| `").append(m.key()).append("` | ").append(Fmt.num(m.value())).append(" | ")
                        .append(m.hasError() ? Fmt.err(m.error(), m.value()) : "—").append(" | ").append(Fmt.cell(m.unit()))
                        .append(" | ").append(samples(m)).append(" | ").append(Fmt.cell(m.note())).append(" |\n");
            }
            b.append('\n');
        }
        if (!any) b.append("Nothing was measured in this run.\n\n");
        List<String> notRun = r.groups().stream().filter(g -> !r.measured(g)).toList();
        if (!notRun.isEmpty()) {
            b.append("Scenarios with no figure in this run: ").append(notRun.stream().map(g -> "`" + g + "`")
                    .collect(Collectors.joining(", "))).append(".\n\n");
        }
    }

    private static String samples(Measurement m) {
        if (m.samples().size() <= 1) return "";
        if (m.source().equals("JMH") && m.note().contains("fork")) {
            // rawData: forks × iterations, in order
            int forks = Integer.parseInt(m.note().replaceAll("^.*?(\\d+) forks?.*$", "$1"));
            int per = m.samples().size() / Math.max(1, forks);
            List<String> parts = new ArrayList<>();
            for (int f = 0; f < forks; f++) {
                parts.add(m.samples().subList(f * per, Math.min(m.samples().size(), (f + 1) * per)).stream()
                        .map(Fmt::num).collect(Collectors.joining(", ")));
            }
            return String.join(" \\| ", parts);
        }
        return m.samples().stream().map(Fmt::num).collect(Collectors.joining(", "));
    }

    /** "2026-11-25 10:10" of "2026-11-25T10:10:00Z". */
    private static String when(String iso) {
        return iso.length() >= 16 ? iso.substring(0, 16).replace('T', ' ') : iso;
    }

    private static void noise(Report r, StringBuilder b) {
        b.append("## How noisy\n\n");
        b.append("The same figures over the last ").append(History.LAST_RUNS).append(" **").append(r.run.mode())
                .append("-mode** runs recorded in `bench/history.tsv` that measured them, this one included. ")
                .append("Spread = (max − min) ÷ median. Runs of different commits mix code changes with noise ")
                .append("(the Commits column says how many); a figure whose spread across runs of one commit is wider than ")
                .append("the distance of its ratio from the goal is not settled by one run.\n\n");
        List<String[]> lines = new ArrayList<>();
        boolean history = false;
        for (Measurement m : r.run.results.values()) {
            History.Spread s = r.history.spread(m.key(), r.run.mode(), m.unit());
            if (s == null) continue;
            if (s.runs() > 1) history = true;
            lines.add(new String[] {"`" + m.key() + "`", String.valueOf(s.runs()), String.valueOf(s.commits()),
                    Fmt.num(s.min()), Fmt.num(s.median()), Fmt.num(s.max()),
                    s.runs() > 1 ? Math.round(100 * (s.max() - s.min()) / s.median()) + "%" : "—",
                    Fmt.num(m.value()), Fmt.cell(m.unit()), when(s.first()) + (s.first().equals(s.last()) ? "" : " … " + when(s.last()))});
        }
        if (!history) {
            b.append("Only this run is recorded so far for this mode: nothing to compare yet.\n");
            return;
        }
        b.append("| Result key | Runs | Commits | Min | Median | Max | Spread | This run | Unit | Dates |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (String[] l : lines) b.append("| ").append(String.join(" | ", l)).append(" |\n");
        b.append('\n');
    }
}
