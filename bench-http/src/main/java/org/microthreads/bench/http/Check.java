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
 * Content-Length, Server and Date headers, {@code /slow} sleeping at least as asked, a bad {@code ms} answered
 * 400. Prints {@code CHECK ok <url>} or {@code CHECK FAILED: ...} per endpoint; exit code 1 if any failed.
 *
 * <pre>java -cp ... org.microthreads.bench.http.Check --port 8080</pre>
 */
public final class Check {
    private Check() {}

    /** Checks the server at {@code --host}:{@code --port}. */
    public static void main(String[] args) throws InterruptedException {
        String base = "http://" + Endpoints.option(args, "--host", "127.0.0.1") + ":" + Endpoints.port(args);
        List<String> failures = check(base);
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /** Runs every check against {@code base} ("http://host:port"), printing a line each; the failures. */
    static List<String> check(String base) throws InterruptedException {
        List<String> failures = new ArrayList<>();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()) {
            expect(client, base + "/plaintext", 200, Endpoints.TEXT_PLAIN, "Hello, World!", 0, failures);
            expect(client, base + "/json", 200, Endpoints.APPLICATION_JSON, "{\"message\":\"Hello, World!\"}", 0, failures);
            expect(client, base + "/slow?ms=100", 200, Endpoints.TEXT_PLAIN, "slept 100 ms", 100, failures);
            expect(client, base + "/slow?ms=soon", 400, null, null, 0, failures);
        }
        return failures;
    }

    private static void expect(HttpClient client, String url, int status, String contentType, String body, long minMillis,
                               List<String> failures) throws InterruptedException {
        List<String> wrong = new ArrayList<>();
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
                if (r.headers().firstValue("Server").isEmpty()) wrong.add("no Server header");
                if (r.headers().firstValue("Date").isEmpty()) wrong.add("no Date header");
                if (r.headers().allValues("Date").size() > 1) wrong.add("Date header twice: " + r.headers().allValues("Date"));
            }
            if (millis < minMillis) wrong.add("answered after " + millis + " ms, expected >= " + minMillis);
        } catch (IOException e) {
            wrong.add(e.toString());
        }
        if (wrong.isEmpty()) {
            System.out.println("CHECK ok " + url);
        } else {
            String f = url + ": " + String.join("; ", wrong);
            System.out.println("CHECK FAILED: " + f);
            failures.add(f);
        }
    }
}
