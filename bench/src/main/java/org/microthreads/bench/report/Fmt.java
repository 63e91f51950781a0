package org.microthreads.bench.report;

import java.util.Locale;

/** Number and unit formatting shared by the Markdown and HTML writers. */
final class Fmt {
    private Fmt() {}

    /** About three significant figures, never scientific: 1234, 672, 80.4, 5.12, 0.031. */
    static String num(double v) {
        if (Double.isNaN(v)) return "?";
        if (Double.isInfinite(v)) return v > 0 ? "∞" : "-∞";
        double a = Math.abs(v);
        int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    /** {@code e} with as many decimals as {@code num(v)} shows. */
    static String err(double e, double v) {
        if (Double.isNaN(e)) return "?";
        double a = Math.abs(v);
        int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
        return String.format(Locale.ROOT, "%,." + decimals + "f", e);
    }

    /** Shortest plain form: 1.2, 0.5, 150. */
    static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    static String ratio(double r) {
        if (Double.isNaN(r)) return "?";
        if (Double.isInfinite(r)) return "∞";
        return String.format(Locale.ROOT, r >= 10 ? "%.1f" : "%.2f", r);
    }

    /** A ratio for PEER goals, a figure otherwise. */
    static String ratioOrNum(double v, Goals.Kind kind) {
        return kind == Goals.Kind.PEER ? ratio(v) : num(v);
    }

    /** Nanoseconds per one of the time unit that starts {@code unit} ("ns/op" → 1, "ms/skynet" → 1e6); NaN if none. */
    static double timeScale(String unit) {
        String u = unit.trim();
        int cut = 0;
        while (cut < u.length() && Character.isLetter(u.charAt(cut))) cut++;
        return switch (u.substring(0, cut)) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            default -> Double.NaN;
        };
    }

    /** The factor that converts a figure in {@code from} into {@code to}: time units scale, anything else is 1. */
    static double convert(String from, String to) {
        double f = timeScale(from);
        double t = timeScale(to);
        return Double.isNaN(f) || Double.isNaN(t) ? 1 : f / t;
    }

    /** The short unit shown after a figure: "ns" of "ns/spawn", "B" of "B/parked thread". */
    static String shortUnit(String unit) {
        int slash = unit.indexOf('/');
        return slash < 0 ? unit : unit.substring(0, slash);
    }

    static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Markdown table cell: no pipes, no newlines. */
    static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
