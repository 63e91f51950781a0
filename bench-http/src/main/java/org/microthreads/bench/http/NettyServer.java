package org.microthreads.bench.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The event-loop ceiling: Netty 4.2 on its native epoll transport, one event loop per core (accepting and
 * serving), {@code HttpServerCodec} and a handler that never blocks; {@code /slow} is a timer on the
 * connection's loop, {@code /work}'s busy-work runs on the loop. Writes are flushed once per read batch (the usual Netty shape).
 *
 * <pre>java -cp ... org.microthreads.bench.http.NettyServer [--port 8080]</pre>
 */
public final class NettyServer {
    private NettyServer() {}

    private static final ByteBuf PLAINTEXT = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(Endpoints.PLAINTEXT)).asReadOnly();

    /** Starts the server; it runs until the JVM is stopped. */
    public static void main(String[] args) throws InterruptedException {
        int port = Endpoints.port(args);
        if (!Epoll.isAvailable()) Endpoints.unavailable("Netty's native epoll is not available here: " + Epoll.unavailabilityCause());
        int loops = Runtime.getRuntime().availableProcessors();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, EpollIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, Endpoints.BACKLOG)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new Handler());
                    }
                });
        var channel = b.bind("127.0.0.1", port).sync().channel();
        Endpoints.listening(((java.net.InetSocketAddress) channel.localAddress()).getPort(),
                "Netty " + io.netty.util.Version.identify().get("netty-common").artifactVersion() + " epoll, " + loops + " loop(s)");
        channel.closeFuture().sync();
    }

    private static final class Handler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (!(msg instanceof HttpRequest req)) return; // the (empty) content of a GET
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            switch (uri.path()) {
                case "/plaintext" -> write(ctx, response(HttpResponseStatus.OK, Endpoints.TEXT_PLAIN, PLAINTEXT.duplicate()), keepAlive, false);
                case "/json" -> write(ctx, response(HttpResponseStatus.OK, Endpoints.APPLICATION_JSON, Unpooled.wrappedBuffer(Endpoints.json())), keepAlive, false);
                case "/slow" -> {
                    int ms;
                    try {
                        ms = Endpoints.slowMillis(rawQuery(req.uri()));
                    } catch (IllegalArgumentException e) {
                        write(ctx, response(HttpResponseStatus.BAD_REQUEST, Endpoints.TEXT_PLAIN, Unpooled.copiedBuffer(e.getMessage(), StandardCharsets.UTF_8)), keepAlive, true);
                        return;
                    }
                    ctx.executor().schedule(() -> write(ctx, response(HttpResponseStatus.OK, Endpoints.TEXT_PLAIN,
                            Unpooled.wrappedBuffer(Endpoints.slowBody(ms))), keepAlive, true), ms, TimeUnit.MILLISECONDS);
                }
                case "/work" -> { // CPU busy-work on the event loop, as a handler that never blocks would do it
                    int us;
                    try {
                        us = Endpoints.workMicros(rawQuery(req.uri()));
                    } catch (IllegalArgumentException e) {
                        write(ctx, response(HttpResponseStatus.BAD_REQUEST, Endpoints.TEXT_PLAIN, Unpooled.copiedBuffer(e.getMessage(), StandardCharsets.UTF_8)), keepAlive, true);
                        return;
                    }
                    write(ctx, response(HttpResponseStatus.OK, Endpoints.TEXT_PLAIN, Unpooled.wrappedBuffer(Endpoints.work(us))), keepAlive, false);
                }
                default -> write(ctx, response(HttpResponseStatus.NOT_FOUND, Endpoints.TEXT_PLAIN, Unpooled.EMPTY_BUFFER), keepAlive, false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private static String rawQuery(String uri) {
            int q = uri.indexOf('?');
            return q < 0 ? null : uri.substring(q + 1);
        }

        private static FullHttpResponse response(HttpResponseStatus status, String contentType, ByteBuf body) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body, false);
            r.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                    .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                    .set(HttpHeaderNames.SERVER, "Netty")
                    .set(HttpHeaderNames.DATE, Endpoints.date());
            return r;
        }

        /** {@code flushNow}: outside a read batch (a timer), flush at once. */
        private static void write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive, boolean flushNow) {
            if (!keepAlive) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            } else if (flushNow) {
                ctx.writeAndFlush(r);
            } else {
                ctx.write(r);
            }
        }
    }
}
