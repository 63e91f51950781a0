package org.microthreads.bench.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.microthreads.bench.http.Connections.Conn;

/**
 * Holds N idle keep-alive connections to a server, for measuring what an idle connection costs it
 * (/work/shared/context/servers.md 2.1): opens them, sends one request on each and reads its response, then
 * leaves them open and idle. Prints {@code READY open=N closed=K millis=T} once every response arrived
 * and a settle time passed (K: connections the server closed meanwhile, e.g. an idle cap), then holds them until
 * the release file exists or the hold time passes, prints {@code END open=N closed=K} and exits (closing them).
 *
 * <pre>
 * java -cp ... org.microthreads.bench.http.IdleConnections --port 8080 --connections 10000
 *      --release-file /tmp/release [--hold-seconds 120] [--settle-millis 1000] [--path /plaintext]
 * </pre>
 */
public final class IdleConnections {
    private IdleConnections() {}

    /** Opens, holds and closes the connections as described above. */
    public static void main(String[] args) throws IOException, InterruptedException {
        String host = Endpoints.option(args, "--host", "127.0.0.1");
        int port = Endpoints.port(args);
        int n = (int) Endpoints.number(args, "--connections", "10000");
        if (n < 1) throw new IllegalArgumentException("--connections must be >= 1, was " + n);
        String path = Endpoints.option(args, "--path", "/plaintext");
        String release = Endpoints.option(args, "--release-file", null);
        if (release == null) throw new IllegalArgumentException("--release-file is required");
        long holdMillis = (long) (Endpoints.number(args, "--hold-seconds", "120") * 1000);
        long settleMillis = (long) Endpoints.number(args, "--settle-millis", "1000");
        long t0 = System.nanoTime();
        try (Selector selector = Selector.open()) {
            List<Conn> conns = Connections.open(selector, new InetSocketAddress(host, port), n,
                    Connections.request(host, port, path), 120_000);
            answerOne(selector, conns, 120_000);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            Thread.sleep(settleMillis);
            System.out.println("READY open=" + countOpen(conns) + " closed=" + (n - countOpen(conns)) + " millis=" + millis);
            System.out.flush();
            long deadline = System.currentTimeMillis() + holdMillis;
            while (!Files.exists(Path.of(release)) && System.currentTimeMillis() < deadline) Thread.sleep(100);
            int open = countOpen(conns);
            System.out.println("END open=" + open + " closed=" + (n - open));
            conns.forEach(Connections::closeQuietly);
        }
    }

    /** One request on every connection, then every response read; at most 512 requests in flight. */
    private static void answerOne(Selector selector, List<Conn> conns, long timeoutMillis) throws IOException {
        ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        int sent = 0;
        int answered = 0;
        int inFlight = 0;
        while (answered < conns.size()) {
            while (sent < conns.size() && inFlight < 512) {
                Conn c = conns.get(sent++);
                c.inFlight = 0;
                Connections.send(c);
                inFlight++;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("only " + answered + " of " + conns.size() + " responses after " + timeoutMillis + " ms");
            }
            selector.select(100);
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                Conn c = (Conn) k.attachment();
                if (k.isWritable()) Connections.sendMore(c);
                if (!k.isReadable()) continue;
                in.clear();
                int r = c.channel.read(in);
                if (r < 0) throw new IOException("the server closed a connection before answering its request");
                in.flip();
                if (c.parser.feed(in)) {
                    if (c.parser.status() != 200) throw new IOException("status " + c.parser.status() + " for the one request");
                    c.parser.reset();
                    c.inFlight = -1;
                    answered++;
                    inFlight--;
                }
            }
        }
    }

    /** Connections the server has not closed: a non-blocking read gives 0 (open, idle) rather than -1. */
    private static int countOpen(List<Conn> conns) {
        ByteBuffer probe = ByteBuffer.allocate(1);
        int open = 0;
        for (Conn c : conns) {
            if (!c.open) continue;
            try {
                probe.clear();
                int r = c.channel.read(probe);
                if (r < 0) Connections.closeQuietly(c);
                else open++;
            } catch (IOException e) {
                Connections.closeQuietly(c);
            }
        }
        return open;
    }
}
