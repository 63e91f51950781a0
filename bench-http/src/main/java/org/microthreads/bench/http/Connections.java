package org.microthreads.bench.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Non-blocking keep-alive client connections on one selector, shared by the load client and the idle holder. */
final class Connections {
    private Connections() {}

    /** One keep-alive connection: its request bytes, its response parser, the request it waits for. */
    static final class Conn {
        final SocketChannel channel;
        SelectionKey key;
        final ByteBuffer request;
        final ResponseParser parser = new ResponseParser(false);
        /** Index of the request in flight, -1 if none. */
        long inFlight = -1;
        /** When the request in flight was written ({@link System#nanoTime()}). */
        long sentAt;
        boolean open = true;

        Conn(SocketChannel channel, ByteBuffer request) {
            this.channel = channel;
            this.request = request;
        }
    }

    /** {@code GET path HTTP/1.1} with a Host header, as a direct buffer. */
    static ByteBuffer request(String host, int port, String path) {
        byte[] b = ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    /**
     * Opens {@code n} connections, at most 512 connecting at once (the server's backlog stays small), each
     * registered for reading with the {@link Conn} attached.
     *
     * @throws IOException if one cannot connect, or if they are not all up within {@code timeoutMillis}
     */
    static List<Conn> open(Selector selector, InetSocketAddress address, int n, ByteBuffer request, long timeoutMillis)
            throws IOException {
        List<Conn> conns = new ArrayList<>(n);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        int started = 0;
        int connecting = 0;
        while (conns.size() < n) {
            while (started < n && connecting < 512) {
                SocketChannel ch = SocketChannel.open();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Conn c = new Conn(ch, request.duplicate());
                if (ch.connect(address)) {
                    c.key = ch.register(selector, SelectionKey.OP_READ, c);
                    conns.add(c);
                } else {
                    c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
                    connecting++;
                }
                started++;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("only " + conns.size() + " of " + n + " connections to " + address + " were up after "
                        + timeoutMillis + " ms");
            }
            selector.select(100);
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                Conn c = (Conn) k.attachment();
                if (k.isConnectable()) {
                    try {
                        c.channel.finishConnect();
                    } catch (IOException e) {
                        throw new IOException("connection " + (conns.size() + 1) + " of " + n + " to " + address + " failed: " + e.getMessage(), e);
                    }
                    k.interestOps(SelectionKey.OP_READ);
                    conns.add(c);
                    connecting--;
                }
            }
        }
        return conns;
    }

    /** Writes the connection's request; false if the socket took only part of it (rare: then OP_WRITE finishes it). */
    static boolean send(Conn c) throws IOException {
        c.request.rewind();
        c.channel.write(c.request);
        if (c.request.hasRemaining()) {
            c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            return false;
        }
        return true;
    }

    /** Continues a partly written request (OP_WRITE). */
    static void sendMore(Conn c) throws IOException {
        c.channel.write(c.request);
        if (!c.request.hasRemaining()) c.key.interestOps(SelectionKey.OP_READ);
    }

    static void closeQuietly(Conn c) {
        c.open = false;
        try {
            c.channel.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
