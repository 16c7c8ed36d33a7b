package dev.moat.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.charset.StandardCharsets;

/**
 * The floor of Moat's HTTP stack, for {@code bench/http.sh}: Netty alone (the library under
 * Vert.x), one event loop on the same native transport, its HTTP/1.1 codec, and a handler that
 * answers every request with a fixed small JSON body without reading it. No router, no headers
 * looked at, no decision. Whatever this costs per request, any server built on Netty pays at
 * least that much, so it says how much of the gap to nginx is the stack rather than Moat.
 *
 * <pre>java -cp moat-bench/target/benchmarks.jar dev.moat.bench.BareNettyHttp PORT</pre>
 *
 * Prints {@code listening <port> <transport>} once bound, then serves until killed.
 */
public final class BareNettyHttp {
    private static final byte[] BODY = "{\"allowed\":true,\"verdict\":\"allow\"}".getBytes(StandardCharsets.US_ASCII);

    private BareNettyHttp() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ByteBuf body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(BODY.length).writeBytes(BODY));
        new ServerBootstrap().group(group).channel(channel)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new FixedAnswer(body));
                    }
                })
                .bind("127.0.0.1", port).sync();
        System.out.println("listening " + port + " " + (epoll ? "epoll" : "nio"));
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Answers each request once its last part has arrived; flushes once per read, as Vert.x does. */
    private static final class FixedAnswer extends SimpleChannelInboundHandler<HttpObject> {
        private final ByteBuf body;

        FixedAnswer(ByteBuf body) {
            this.body = body;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof LastHttpContent) {
                DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        body.duplicate());
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
                ctx.write(res);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
