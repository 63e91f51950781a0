package org.microthreads.bench.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that a server answers every endpoint as {@link Endpoints} says: status, body, Content-Type,
 * Content-Length, {@code /slow} sleeping and {@code /work} working at least as asked, a bad {@code ms} or {@code us} answered 400 (a failure otherwise);
 * one {@code Server} and one {@code Date} header (a warning otherwise: the body is right, the head is not).
 * Prints {@code CHECK ok <url>}, {@code CHECK FAILED: ...} or {@code CHECK WARNING: ...} per endpoint; exit code
 * 0 if all were right, 1 if any failed, {@value #WARNINGS_ONLY} if there were warnings only.
 *
 * <pre>java -cp ... org.microthreads.bench.http.Check --port 8080</pre>
 */
public final class Check {
    private Check() {}

    /** Exit code when the only problems were warnings. */
    static final int WARNINGS_ONLY = 4;

    /** What the checks found: failures (wrong answers) and warnings (a wrong head around a right answer). */
    record Findings(List<String> failures, List<String> warnings) {}

    /** Checks the server at {@code --host}:{@code --port}. */
    public static void main(String[] args) throws InterruptedException {
        String base = "http://" + Endpoints.option(args, "--host", "127.0.0.1") + ":" + Endpoints.port(args);
        Findings f = check(base);
        System.exit(!f.failures().isEmpty() ? 1 : !f.warnings().isEmpty() ? WARNINGS_ONLY : 0);
    }

    /** Runs every check against {@code base} ("http://host:port"), printing a line each. */
    static Findings check(String base) throws InterruptedException {
        Findings f = new Findings(new ArrayList<>(), new ArrayList<>());
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()) {
            expect(client, base + "/plaintext", 200, Endpoints.TEXT_PLAIN, "Hello, World!", 0, f);
            expect(client, base + "/json", 200, Endpoints.APPLICATION_JSON, "{\"message\":\"Hello, World!\"}", 0, f);
            expect(client, base + "/slow?ms=100", 200, Endpoints.TEXT_PLAIN, "slept 100 ms", 100, f);
            expect(client, base + "/slow?ms=soon", 400, null, null, 0, f);
            expect(client, base + "/work?us=50000", 200, Endpoints.TEXT_PLAIN, "worked 50000 us", 50, f);
            expect(client, base + "/work?us=lots", 400, null, null, 0, f);
        }
        return f;
    }

    private static void expect(HttpClient client, String url, int status, String contentType, String body, long minMillis,
                               Findings findings) throws InterruptedException {
        List<String> wrong = new ArrayList<>();
        List<String> odd = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            long millis = (System.nanoTime() - t0) / 1_000_000;
            if (r.statusCode() != status) wrong.add("status " + r.statusCode() + ", expected " + status);
            if (body != null) {
                String got = new String(r.body(), StandardCharsets.UTF_8);
                if (!got.equals(body)) wrong.add("body '" + got + "', expected '" + body + "'");
                String length = r.headers().firstValue("Content-Length").orElse(null);
                if (!String.valueOf(r.body().length).equals(length)) wrong.add("Content-Length " + length + " for " + r.body().length + " bytes");
            }
            if (contentType != null) {
                String ct = r.headers().firstValue("Content-Type").orElse("");
                if (!ct.startsWith(contentType)) wrong.add("Content-Type '" + ct + "', expected " + contentType);
            }
            if (status == 200) {
                for (String h : List.of("Server", "Date")) {
                    List<String> values = r.headers().allValues(h);
                    if (values.size() != 1) odd.add(values.size() + " " + h + " headers" + (values.isEmpty() ? "" : ": " + values));
                }
            }
            if (millis < minMillis) wrong.add("answered after " + millis + " ms, expected >= " + minMillis);
        } catch (IOException e) {
            wrong.add(e.toString());
        }
        if (!wrong.isEmpty()) {
            String f = url + ": " + String.join("; ", wrong);
            System.out.println("CHECK FAILED: " + f);
            findings.failures().add(f);
        }
        if (!odd.isEmpty()) {
            String w = url + ": " + String.join("; ", odd);
            System.out.println("CHECK WARNING: " + w);
            findings.warnings().add(w);
        }
        if (wrong.isEmpty() && odd.isEmpty()) System.out.println("CHECK ok " + url);
    }
}
