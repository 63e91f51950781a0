package org.microthreads.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.microthreads.bench.report.RunData.Measurement;

/** bench/goals.tsv, and the verdict of each of its rows against one run's figures. */
final class Goals {
    private Goals() {}

    enum Kind { NONE, PEER, ABSOLUTE }

    /** One row of goals.tsv. For {@code PEER}, {@code limit} is the factor F of "ours ≤ F × peer"; for {@code ABSOLUTE}, N. */
    record Goal(String label, String ours, List<String> peers, Kind kind, boolean strict, double limit, String goalText,
                String unit, String source) {
        String group() {
            int dot = ours.indexOf('.');
            return dot < 0 ? ours : ours.substring(0, dot);
        }

        /** "≤ 1.2 × plainVirtualThreads", "< go.procs2", "≤ 150 ns". */
        String describe() {
            String op = strict ? "<" : "≤";
            return switch (kind) {
                case NONE -> "none";
                case ABSOLUTE -> op + " " + Fmt.num(limit) + " " + Fmt.shortUnit(unit);
                case PEER -> op + " " + (limit == 1 ? "" : Fmt.plain(limit) + " × ") + Report.shortKey(peers.getFirst(), group());
            };
        }
    }

    enum State {
        MET("yes"), NOT_MET("no"), UNDECIDED("undecided"), NOT_MEASURED("not measured in this run"), NO_GOAL("—");

        final String label;

        State(String label) {
            this.label = label;
        }
    }

    /** A figure in the row's unit; {@code m == null}: not measured in this run. */
    record Figure(String key, Measurement m, double value, double error) {
        boolean measured() {
            return m != null;
        }

        /** The error as a number to compute with: 0 when there is no estimate. */
        double err0() {
            return m != null && m.hasError() ? error : 0;
        }
    }

    /** One row evaluated: ratio = ours / first peer; [lo, hi] its range with both error bands (or ours' range for ABSOLUTE). */
    record Evaluated(Goal goal, Figure ours, List<Figure> peers, State state, double ratio, double lo, double hi,
                     String why) {
        Figure goalPeer() {
            return peers.isEmpty() ? null : peers.getFirst();
        }

        /** The figure the goal line sits at, in the row's unit; NaN if none. */
        double goalValue() {
            return switch (goal.kind()) {
                case ABSOLUTE -> goal.limit();
                case PEER -> goalPeer() != null && goalPeer().measured() ? goal.limit() * goalPeer().value() : Double.NaN;
                case NONE -> Double.NaN;
            };
        }
    }

    private static final Pattern PEER_GOAL = Pattern.compile("(<=|≤|<)\\s*(?:([0-9.]+)\\s*[x×*]\\s*)?peer");
    private static final Pattern ABS_GOAL = Pattern.compile("(<=|≤|<)\\s*([0-9.]+)");

    static List<Goal> read(Path f) throws IOException {
        List<Goal> goals = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(f)) {
            n++;
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] c = line.split("\t", -1);
            if (c.length < 5) throw new IllegalArgumentException(f + ":" + n + ": expected 5 or 6 tab-separated columns, found " + c.length);
            List<String> peers = Arrays.stream(c[2].split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            String goal = c[3].trim();
            Matcher pm = PEER_GOAL.matcher(goal);
            Matcher am = ABS_GOAL.matcher(goal);
            Goal g;
            if (goal.equals("-") || goal.isEmpty()) {
                g = new Goal(c[0].trim(), c[1].trim(), peers, Kind.NONE, false, Double.NaN, goal, c[4].trim(), src(c));
            } else if (pm.matches()) {
                if (peers.isEmpty()) throw new IllegalArgumentException(f + ":" + n + ": goal '" + goal + "' needs a peer");
                double factor = pm.group(2) == null ? 1 : Double.parseDouble(pm.group(2));
                g = new Goal(c[0].trim(), c[1].trim(), peers, Kind.PEER, pm.group(1).equals("<"), factor, goal, c[4].trim(), src(c));
            } else if (am.matches()) {
                g = new Goal(c[0].trim(), c[1].trim(), peers, Kind.ABSOLUTE, am.group(1).equals("<"),
                        Double.parseDouble(am.group(2)), goal, c[4].trim(), src(c));
            } else {
                throw new IllegalArgumentException(f + ":" + n + ": goal '" + goal + "' is none of: <= F x peer, < F x peer, <= peer, < peer, <= N, < N, -");
            }
            goals.add(g);
        }
        return goals;
    }

    private static String src(String[] c) {
        return c.length > 5 ? c[5].trim() : "";
    }

    static Figure figure(String key, String unit, RunData run) {
        Measurement m = run.find(key);
        if (m == null) return new Figure(key, null, Double.NaN, Double.NaN);
        double k = Fmt.convert(m.unit(), unit);
        return new Figure(key, m, m.value() * k, m.error() * k);
    }

    /**
     * The verdict. With ours = o ± eo and the goal peer p ± ep (the error bands of the run: JMH's 99.9% interval,
     * half the range of the Go samples, none for single measurements), the ratio can be anywhere in
     * [(o − eo) / (p + ep), (o + eo) / (p − ep)]: met ("yes") if all of that range meets the goal, not met ("no")
     * if none of it does, "undecided" otherwise. Absolute goals use [o − eo, o + eo]. Figures without an error
     * estimate count as exact.
     */
    static Evaluated evaluate(Goal g, RunData run) {
        Figure ours = figure(g.ours(), g.unit(), run);
        List<Figure> peers = g.peers().stream().map(k -> figure(k, g.unit(), run)).toList();
        Figure p0 = peers.isEmpty() ? null : peers.getFirst();
        double ratio = ours.measured() && p0 != null && p0.measured() ? ours.value() / p0.value() : Double.NaN;
        if (!ours.measured()) return new Evaluated(g, ours, peers, State.NOT_MEASURED, ratio, Double.NaN, Double.NaN, "ours not measured");
        if (g.kind() == Kind.NONE) return new Evaluated(g, ours, peers, State.NO_GOAL, ratio, Double.NaN, Double.NaN, "no goal set");
        double lo;
        double hi;
        String what;
        if (g.kind() == Kind.ABSOLUTE) {
            lo = Math.max(0, ours.value() - ours.err0()); // times and sizes are never negative
            hi = ours.value() + ours.err0();
            what = "ours";
        } else {
            if (!p0.measured()) {
                return new Evaluated(g, ours, peers, State.NOT_MEASURED, ratio, Double.NaN, Double.NaN,
                        Report.shortKey(p0.key(), g.group()) + " not measured");
            }
            lo = Math.max(0, ours.value() - ours.err0()) / (p0.value() + p0.err0());
            double den = p0.value() - p0.err0();
            hi = den > 0 ? (ours.value() + ours.err0()) / den : Double.POSITIVE_INFINITY;
            what = "ratio";
        }
        double t = g.limit();
        boolean allMeet = g.strict() ? hi < t : hi <= t;
        boolean noneMeet = g.strict() ? lo >= t : lo > t;
        State s = allMeet ? State.MET : noneMeet ? State.NOT_MET : State.UNDECIDED;
        String range = lo == hi ? what + " " + Fmt.ratioOrNum(lo, g.kind())
                : what + " range " + Fmt.ratioOrNum(lo, g.kind()) + "–" + Fmt.ratioOrNum(hi, g.kind());
        String why = switch (s) {
            case MET -> range + " within the goal";
            case NOT_MET -> range + " beyond the goal";
            default -> range + " straddles " + Fmt.plain(t);
        };
        List<String> exact = new ArrayList<>();
        if (!ours.m().hasError()) exact.add("ours");
        if (g.kind() == Kind.PEER && !p0.m().hasError()) exact.add(Report.shortKey(p0.key(), g.group()));
        if (!exact.isEmpty()) why += "; no error estimate for " + String.join(", ", exact) + " (single measurement)";
        return new Evaluated(g, ours, peers, s, ratio, lo, hi, why);
    }
}
