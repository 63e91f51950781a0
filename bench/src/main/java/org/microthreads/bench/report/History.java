package org.microthreads.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.microthreads.bench.report.RunData.Measurement;

/**
 * bench/history.tsv: every figure of every run, appended by the report step, one line each:
 * {@code date <tab> commit <tab> mode <tab> key <tab> value <tab> error <tab> unit <tab> note}
 * (date: the run's start, ISO-8601 UTC; error empty when there is none). A run already recorded
 * (same date and commit) is not appended again, so regenerating the report is harmless.
 */
final class History {

    record Row(String date, String commit, String mode, String key, double value, double error, String unit, String note) {}

    /** Spread of one key over the last runs of one mode. */
    record Spread(String key, int runs, int commits, double min, double median, double max, String unit, String first, String last) {}

    static final String HEADER = "# date\tcommit\tmode\tkey\tvalue\terror\tunit\tnote";
    static final int LAST_RUNS = 10;

    final List<Row> rows = new ArrayList<>();
    private final Path file;

    private History(Path file) {
        this.file = file;
    }

    static History read(Path file) throws IOException {
        History h = new History(file);
        if (!Files.exists(file)) return h;
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] c = line.split("\t", -1);
            if (c.length < 7) continue;
            try {
                h.rows.add(new Row(c[0], c[1], c[2], c[3], Double.parseDouble(c[4]),
                        c[5].isEmpty() ? Double.NaN : Double.parseDouble(c[5]), c[6], c.length > 7 ? c[7] : ""));
            } catch (NumberFormatException e) {
                // a hand-edited line that does not parse: ignored
            }
        }
        return h;
    }

    /** Appends this run's figures unless it is already recorded; returns how many lines were added. */
    int append(String date, String commit, String mode, String note, List<Measurement> ms) throws IOException {
        if (rows.stream().anyMatch(r -> r.date().equals(date) && r.commit().equals(commit))) return 0;
        List<String> lines = new ArrayList<>();
        if (!Files.exists(file)) lines.add(HEADER);
        for (Measurement m : ms) {
            Row r = new Row(date, commit, mode, m.key(), m.value(), m.hasError() ? m.error() : Double.NaN, m.unit(), note);
            rows.add(r);
            lines.add(String.join("\t", r.date(), r.commit(), r.mode(), r.key(), plain(r.value()),
                    Double.isNaN(r.error()) ? "" : plain(r.error()), r.unit(), r.note()));
        }
        Files.write(file, lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return ms.size();
    }

    private static String plain(double v) {
        return String.format(Locale.ROOT, "%.4f", v).replaceAll("\\.?0+$", "");
    }

    /** The spread of {@code key} over the last {@value #LAST_RUNS} runs of {@code mode} in the same unit; null if none. */
    Spread spread(String key, String mode, String unit) {
        List<Row> rs = rows.stream().filter(r -> r.key().equals(key) && r.mode().equals(mode) && r.unit().equals(unit))
                .sorted((a, b) -> a.date().compareTo(b.date())).toList();
        if (rs.isEmpty()) return null;
        // one figure per run (date); keep the last runs
        List<Row> perRun = new ArrayList<>();
        for (Row r : rs) {
            if (!perRun.isEmpty() && perRun.getLast().date().equals(r.date())) perRun.set(perRun.size() - 1, r);
            else perRun.add(r);
        }
        List<Row> last = perRun.subList(Math.max(0, perRun.size() - LAST_RUNS), perRun.size());
        List<Double> v = last.stream().map(Row::value).toList();
        TreeSet<String> commits = new TreeSet<>();
        last.forEach(r -> commits.add(r.commit()));
        return new Spread(key, last.size(), commits.size(), v.stream().mapToDouble(d -> d).min().orElse(Double.NaN),
                RunData.median(v), v.stream().mapToDouble(d -> d).max().orElse(Double.NaN), unit,
                last.getFirst().date(), last.getLast().date());
    }
}
