package org.microthreads.bench.report;

import static org.microthreads.bench.report.Fmt.html;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.microthreads.bench.report.Goals.Evaluated;
import org.microthreads.bench.report.Goals.Figure;
import org.microthreads.bench.report.Goals.State;
import org.microthreads.bench.report.Report.Family;

/**
 * bench/results.html: one self-contained page (inline CSS and SVG, no script, nothing fetched), one horizontal
 * bar chart per row of goals.tsv that has figures, grouped by benchmark class, laid out for a 1200 px window.
 */
final class Html {
    private Html() {}

    record Page(String text, int height) {}

    // chart geometry (px)
    static final int W = 1120;
    static final int LABEL_RIGHT = 330;
    static final int X0 = 345;
    static final int X1 = 830;
    static final int VALUE_X = 845;
    static final int RATIO_X = 1030;
    static final int BAR = 22;
    static final int GAP = 9;
    static final int TOP = 34;
    static final int AXIS = 30;

    static String colour(Family f) {
        return switch (f) {
            case OURS -> "#2563eb";
            case PLAIN -> "#6b7280";
            case GO -> "#0d9488";
            case KOTLIN -> "#7c3aed";
            case JOX -> "#ea580c";
            case PYTHON -> "#ca8a04";
            case INTERNAL -> "#a8a29e";
        };
    }

    static String badge(State s) {
        String c = switch (s) {
            case MET -> "#15803d";
            case NOT_MET -> "#b91c1c";
            case UNDECIDED -> "#b45309";
            default -> "#6b7280";
        };
        String t = switch (s) {
            case MET -> "met";
            case NOT_MET -> "not met";
            case UNDECIDED -> "undecided";
            case NOT_MEASURED -> "not measured";
            case NO_GOAL -> "no goal";
        };
        return "<span class=\"badge\" style=\"background:" + c + "\">" + t + "</span>";
    }

    static Page write(Report r) {
        StringBuilder b = new StringBuilder();
        int height = 0;
        RunData run = r.run;
        String title = "microthreads benchmarks" + (r.partial() ? " (partial run)" : "");
        b.append("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8">
                <title>%s</title>
                <style>
                body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111827; margin: 0; background: #fff; }
                main { width: 1200px; margin: 0 auto; padding: 24px 30px 40px; box-sizing: border-box; }
                h1 { font-size: 26px; margin: 0 0 6px; }
                h2 { font-size: 20px; margin: 30px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #e5e7eb; }
                .sub { color: #4b5563; font-size: 14px; margin-bottom: 14px; }
                .banner { background: #fef3c7; border: 1px solid #f59e0b; padding: 10px 14px; font-size: 15px; margin: 10px 0 14px; }
                table { border-collapse: collapse; font-size: 13px; }
                td, th { border-bottom: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }
                th { background: #f3f4f6; }
                table.facts td:first-child { color: #4b5563; white-space: nowrap; }
                table.summary td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
                code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
                .badge { color: #fff; border-radius: 4px; padding: 1px 7px; font-size: 12px; font-weight: bold; white-space: nowrap; }
                .card { margin: 14px 0 22px; }
                .card h3 { font-size: 16px; margin: 0 0 2px; }
                .card .goal { font-size: 13px; color: #374151; margin-bottom: 2px; }
                .card .noise { font-size: 12px; color: #6b7280; }
                .legend span { display: inline-block; margin-right: 16px; font-size: 13px; }
                .legend i { display: inline-block; width: 14px; height: 14px; vertical-align: -2px; margin-right: 5px; }
                .rule { font-size: 13px; color: #374151; max-width: 1120px; line-height: 1.45; }
                </style></head><body><main>
                """.formatted(html(title)));
        b.append("<h1>").append(html(title)).append("</h1>\n");
        b.append("<div class=\"sub\">").append(html(r.facts.getOrDefault("date", "?"))).append(" · code <code>")
                .append(html(run.commit())).append("</code> · ").append(html(run.mode())).append(" mode · ")
                .append("lower is better everywhere</div>\n");
        height += 90;
        if (run.quick()) {
            b.append("<div class=\"banner\"><b>Quick mode (smoke check, not for claims).</b> 3 samples per JMH benchmark, ")
                    .append("3 runs per Go or Python twin: wide error bands. Quote only full runs.</div>\n");
            height += 60;
        }
        if (r.partial()) {
            b.append("<div class=\"banner\">A run limited to the scenarios matching <code>").append(html(run.regex()))
                    .append("</code>; bench/results.html shows the last run of every scenario.</div>\n");
            height += 60;
        }
        b.append("<table class=\"facts\">\n");
        for (var e : r.facts.entrySet()) {
            String v = e.getValue().replace("`", "").replace("**", "");
            b.append("<tr><td>").append(html(e.getKey())).append("</td><td>").append(html(v)).append("</td></tr>\n");
            height += 26 + 18 * (v.length() / 140);
        }
        b.append("</table>\n");

        // summary
        List<Evaluated> shown = r.rows.stream().filter(e -> e.ours().measured() || e.peers().stream().anyMatch(Figure::measured)).toList();
        List<Evaluated> absent = r.rows.stream().filter(e -> !shown.contains(e)).toList();
        b.append("<h2>Goals</h2>\n");
        height += 70;
        if (!shown.isEmpty()) {
            b.append("<table class=\"summary\"><tr><th>Scenario</th><th>Ours</th><th>Peer (first in goals.tsv)</th>")
                    .append("<th>Ratio</th><th>Goal</th><th>Met?</th></tr>\n");
            for (Evaluated e : shown) {
                Figure p = e.goalPeer();
                b.append("<tr><td>").append(html(e.goal().label())).append("</td><td class=\"num\">")
                        .append(e.ours().measured() ? html(fig(e.ours(), e.goal().unit())) : "not measured").append("</td><td>");
                if (p != null) {
                    b.append("<code>").append(html(Report.shortKey(p.key(), e.goal().group()))).append("</code> ")
                            .append(p.measured() ? html(fig(p, e.goal().unit())) : "not measured");
                }
                b.append("</td><td class=\"num\">").append(Double.isNaN(e.ratio()) ? "" : Fmt.ratio(e.ratio()))
                        .append("</td><td>").append(html(e.goal().describe())).append("</td><td>").append(badge(e.state()))
                        .append("</td></tr>\n");
                height += 27;
            }
            b.append("</table>\n");
        } else {
            b.append("<p>No scenario of goals.tsv was measured in this run.</p>\n");
            height += 40;
        }
        b.append("<p class=\"rule\">Ratio = ours ÷ the peer the goal names. <b>met</b> / <b>not met</b>: the whole ")
                .append("range the ratio can take within both figures' error bands (JMH 99.9% interval; Go, Python: half the range of its ")
                .append("runs; † one measurement, no band) is on one side of the goal; <b>undecided</b>: the goal lies inside that range. ")
                .append("Bars: the figure; whiskers: its error band; red dashed line: the goal.</p>\n");
        b.append("<div class=\"legend\">");
        for (Family f : Family.values()) {
            b.append("<span><i style=\"background:").append(colour(f)).append("\"></i>").append(html(f.label)).append("</span>");
        }
        b.append("<span><svg width=\"26\" height=\"14\"><line x1=\"2\" y1=\"7\" x2=\"24\" y2=\"7\" stroke=\"#dc2626\" ")
                .append("stroke-width=\"2\" stroke-dasharray=\"5,3\"/></svg> goal</span></div>\n");
        height += 110;

        // charts, by group
        String group = null;
        for (Evaluated e : shown) {
            if (!e.goal().group().equals(group)) {
                group = e.goal().group();
                b.append("<h2>").append(html(group)).append("</h2>\n");
                String cfg = run.jmhConfig.get(group);
                if (cfg != null) b.append("<div class=\"sub\">JMH: ").append(html(cfg)).append("</div>\n");
                height += 80;
            }
            Chart c = chart(r, e);
            b.append(c.html());
            height += c.height() + 80;
        }
        if (!absent.isEmpty()) {
            b.append("<h2>Not measured in this run</h2>\n<table><tr><th>Scenario</th><th>Ours</th><th>Goal</th><th>Why</th></tr>\n");
            for (Evaluated e : absent) {
                b.append("<tr><td>").append(html(e.goal().label())).append("</td><td><code>").append(html(e.goal().ours()))
                        .append("</code></td><td>").append(html(e.goal().describe())).append("</td><td>")
                        .append(html(r.whyNotMeasured(e))).append("</td></tr>\n");
                height += 27;
            }
            b.append("</table>\n");
            height += 80;
        }
        b.append("<p class=\"sub\" style=\"margin-top:30px\">Written by bench/run (org.microthreads.bench.report.Report) ")
                .append("from bench/out/, bench/goals.tsv and bench/history.tsv. Every figure with its samples: ")
                .append(r.partial() ? "bench/out/RESULTS-partial.md" : "bench/RESULTS.md").append(".</p>\n");
        b.append("</main></body></html>\n");
        height += 80;
        return new Page(b.toString(), height);
    }

    static String fig(Figure f, String unit) {
        String u = Fmt.shortUnit(unit);
        return f.m().hasError() ? Fmt.num(f.value()) + " ± " + Fmt.err(f.error(), f.value()) + " " + u : Fmt.num(f.value()) + " " + u + " †";
    }

    record Chart(String html, int height) {}

    static Chart chart(Report r, Evaluated e) {
        String unit = e.goal().unit();
        String u = Fmt.shortUnit(unit);
        List<Figure> bars = new ArrayList<>();
        bars.add(e.ours());
        bars.addAll(e.peers());
        double goal = e.goalValue();
        double max = 0;
        for (Figure f : bars) if (f.measured()) max = Math.max(max, f.value());
        if (!Double.isNaN(goal)) max = Math.max(max, goal);
        double top = max;
        for (Figure f : bars) { // room for the error whiskers, up to half as much again
            if (f.measured() && f.m().hasError()) top = Math.max(top, Math.min(f.value() + f.error(), 1.5 * max));
        }
        max = top;
        double step = niceStep(max / 5);
        double axisMax = Math.ceil(max * 1.08 / step) * step;
        if (axisMax <= 0) axisMax = 1;
        int h = TOP + bars.size() * (BAR + GAP) + AXIS;
        StringBuilder s = new StringBuilder();
        s.append("<div class=\"card\"><h3>").append(html(e.goal().label())).append(" ").append(badge(e.state())).append("</h3>\n");
        s.append("<div class=\"goal\">Goal: ").append(html(e.goal().describe()));
        if (e.goal().kind() == Goals.Kind.PEER && !Double.isNaN(goal)) s.append(" (= ").append(Fmt.num(goal)).append(" ").append(html(u)).append(")");
        if (!e.goal().source().isEmpty()) s.append(", from ").append(html(e.goal().source()));
        if (!Double.isNaN(e.ratio()) && e.goal().kind() == Goals.Kind.PEER) {
            s.append(" · ratio ours ÷ <code>").append(html(Report.shortKey(e.goalPeer().key(), e.goal().group()))).append("</code> = <b>")
                    .append(Fmt.ratio(e.ratio())).append("</b>");
            if (e.lo() != e.hi() && !Double.isNaN(e.lo())) s.append(" (range ").append(Fmt.ratio(e.lo())).append("–").append(Fmt.ratio(e.hi())).append(")");
        } else if (e.goal().kind() == Goals.Kind.ABSOLUTE && e.ours().measured()) {
            s.append(" · ours ").append(html(fig(e.ours(), unit)));
        }
        if (e.state() == State.NOT_MEASURED) s.append(" · ").append(html(r.whyNotMeasured(e)));
        s.append("</div>\n");
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\" font-size=\"13\">\n", W, h, W, h));
        // column heads
        s.append(text(VALUE_X, 14, "start", "#6b7280", 12, "figure (" + unit + ")", false));
        s.append(text(RATIO_X, 14, "start", "#6b7280", 12, "ours ÷ peer", false));
        // grid and ticks
        int axisY = TOP + bars.size() * (BAR + GAP);
        for (double t = 0; t <= axisMax + step / 2; t += step) {
            double x = X0 + (X1 - X0) * t / axisMax;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n",
                    x, TOP - 6, x, axisY, t == 0 ? "#374151" : "#e5e7eb"));
            s.append(text((int) Math.round(x), axisY + 16, "middle", "#4b5563", 12, tick(t, step), false));
        }
        s.append(text(LABEL_RIGHT, axisY + 16, "end", "#4b5563", 12, unit, false));
        // bars
        int y = TOP;
        for (Figure f : bars) {
            boolean ours = f == e.ours();
            Family fam = Family.of(f.key());
            String label = Report.shortKey(f.key(), e.goal().group());
            s.append(text(LABEL_RIGHT, y + BAR / 2 + 5, "end", ours ? "#111827" : "#374151", 13, label, ours));
            if (!f.measured()) {
                s.append(text(X0 + 8, y + BAR / 2 + 5, "start", "#9ca3af", 13, "not measured in this run", false));
                y += BAR + GAP;
                continue;
            }
            double bw = (X1 - X0) * Math.max(0, f.value()) / axisMax;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"%s/>\n",
                    X0, y, bw, BAR, colour(fam), ours ? "" : " fill-opacity=\"0.85\""));
            if (f.m().hasError() && f.error() > 0) {
                double lo = Math.max(0, f.value() - f.error());
                double hi = f.value() + f.error();
                double xl = X0 + (X1 - X0) * lo / axisMax;
                double xh = X0 + (X1 - X0) * Math.min(hi, axisMax) / axisMax;
                int cy = y + BAR / 2;
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#111827\" stroke-width=\"1.5\"/>\n", xl, cy, xh, cy));
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#111827\" stroke-width=\"1.5\"/>\n", xl, cy - 6, xl, cy + 6));
                if (hi <= axisMax) {
                    s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#111827\" stroke-width=\"1.5\"/>\n", xh, cy - 6, xh, cy + 6));
                } else { // the band runs off the chart: an arrow head
                    s.append(String.format(Locale.ROOT, "<path d=\"M%.1f %d l-7 -5 v10 z\" fill=\"#111827\"/>\n", xh, cy));
                }
            }
            s.append(text(VALUE_X, y + BAR / 2 + 5, "start", "#111827", 13, fig(f, unit), ours));
            if (!ours && e.ours().measured()) {
                boolean goalPeer = f == e.goalPeer() && e.goal().kind() == Goals.Kind.PEER;
                s.append(text(RATIO_X, y + BAR / 2 + 5, "start", goalPeer ? "#111827" : "#4b5563", 13,
                        Fmt.ratio(e.ours().value() / f.value()), goalPeer));
            }
            y += BAR + GAP;
        }
        // the goal line
        if (!Double.isNaN(goal)) {
            double gx = X0 + (X1 - X0) * goal / axisMax;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#dc2626\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>\n",
                    gx, TOP - 10, gx, axisY));
            String gl = "goal " + (e.goal().strict() ? "< " : "≤ ") + Fmt.num(goal) + " " + u;
            boolean right = gx > X0 + (X1 - X0) * 0.6;
            s.append(text((int) Math.round(gx) + (right ? -6 : 6), TOP - 14, right ? "end" : "start", "#dc2626", 12, gl, true));
        }
        s.append("</svg>\n");
        List<Report.CrossRatio> cross = r.crossRatios(e);
        if (!cross.isEmpty()) {
            String other = e.goal().peers().getFirst();
            s.append("<div class=\"goal\">Each one's figure here ÷ its own in ").append(html(other.substring(0, other.indexOf('.'))))
                    .append(": <b>").append(html(r.crossRatioText(cross, false))).append("</b></div>\n");
        }
        History.Spread sp = e.ours().measured() ? r.history.spread(e.ours().key(), r.run.mode(), e.ours().m().unit()) : null;
        if (sp != null && sp.runs() > 1) {
            double k = Fmt.convert(sp.unit(), unit);
            s.append("<div class=\"noise\">Ours over the last ").append(sp.runs()).append(" ").append(html(r.run.mode()))
                    .append("-mode runs (").append(sp.commits()).append(sp.commits() == 1 ? " commit" : " commits").append("): ")
                    .append(Fmt.num(sp.min() * k)).append(" – ").append(Fmt.num(sp.max() * k)).append(" ").append(html(u))
                    .append(", median ").append(Fmt.num(sp.median() * k)).append(".</div>\n");
        }
        s.append("</div>\n");
        return new Chart(s.toString(), h);
    }

    static String text(int x, int y, String anchor, String fill, int size, String t, boolean bold) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" fill=\"%s\" font-size=\"%d\"%s>%s</text>\n",
                x, y, anchor, fill, size, bold ? " font-weight=\"bold\"" : "", html(t));
    }

    static String tick(double t, double step) {
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step));
        return String.format(Locale.ROOT, "%,." + decimals + "f", t);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0)) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) if (m * p >= raw) return m * p;
        return 10 * p;
    }
}
