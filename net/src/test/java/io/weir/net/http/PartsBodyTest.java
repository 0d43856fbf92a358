package io.weir.net.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A body sent as parts a slice at a time ({@link HttpResponses#sendParts}, {@link PartsBody}) arrives on the wire as
 * the parts joined, byte for byte, after headers that state its length -- for parts empty, shorter than a slice, a
 * slice exactly, and many slices -- and the connection closes after it only when it is not kept alive.
 */
class PartsBodyTest {

    @Test
    void wireBytesAreThePartsJoinedWithTheirLength() {
        Random random = new Random(42);
        int s = PartsBody.SLICE_BYTES;
        int[][] layouts = {
            {}, {0}, {1}, {0, 0, 5, 0}, {s - 1}, {s}, {s + 1}, {s, s}, {3 * s + 7, 0, 1, 2 * s - 1, s},
        };
        for (int[] sizes : layouts) {
            ByteBuffer[] parts = new ByteBuffer[sizes.length];
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            SplittableRandom places = new SplittableRandom(sizes.length);
            for (int i = 0; i < sizes.length; i++) {
                byte[] bytes = new byte[sizes[i]];
                random.nextBytes(bytes);
                joined.writeBytes(bytes);
                parts[i] = GzipPartsTest.within(bytes, places); // a range of a larger array, as a cached panel's text
            }
            for (boolean keepAlive : new boolean[] {true, false}) {
                byte[] wire = send(parts, keepAlive);
                String text = new String(wire, StandardCharsets.ISO_8859_1);
                int headerEnd = text.indexOf("\r\n\r\n") + 4;
                String head = text.substring(0, headerEnd).toLowerCase();
                assertTrue(head.startsWith("http/1.1 200 ok\r\n"), head);
                assertTrue(head.contains("content-length: " + joined.size() + "\r\n"), head);
                assertTrue(head.contains("x-test: yes\r\n"), head);
                assertTrue(head.contains("x-other: 2\r\n"), head);
                assertTrue(head.contains("content-type: text/csv\r\n"), head);
                assertTrue(head.contains("connection: " + (keepAlive ? "keep-alive" : "close") + "\r\n"), head);
                assertFalse(head.contains("transfer-encoding"), head);
                byte[] body = java.util.Arrays.copyOfRange(wire, headerEnd, wire.length);
                assertArrayEquals(joined.toByteArray(), body, "parts " + java.util.Arrays.toString(sizes));
            }
        }
    }

    @Test
    void sliceCountFollowsTheSliceSize() {
        int s = PartsBody.SLICE_BYTES;
        PartsBody body = new PartsBody(new ByteBuffer[] {ByteBuffer.allocate(0), ByteBuffer.allocate(2 * s + 1),
            ByteBuffer.allocate(0), ByteBuffer.allocate(s)});
        int slices = 0;
        long bytes = 0;
        while (!body.isEndOfInput()) {
            ByteBuf b = body.readChunk(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
            assertTrue(b.isDirect());
            assertTrue(b.readableBytes() > 0 && b.readableBytes() <= s);
            bytes += b.readableBytes();
            b.release();
            slices++;
        }
        assertEquals(4, slices);
        assertEquals(3L * s + 1, bytes);
        assertEquals(body.length(), body.progress());
    }

    private static byte[] send(ByteBuffer[] parts, boolean keepAlive) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseEncoder(), new ChunkedWriteHandler(),
            new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    HttpResponses.sendParts(ctx, HttpResponseStatus.OK, "text/csv", parts, keepAlive,
                        "X-Test", "yes", "X-Other", "2");
                }
            });
        ch.writeInbound("request");
        ch.runPendingTasks();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            // a slice at a time (the headers may share a buffer with the first): never the whole body at once
            assertTrue(b.readableBytes() <= PartsBody.SLICE_BYTES + 1024, "a write of " + b.readableBytes() + " bytes");
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            wire.writeBytes(bytes);
        }
        assertEquals(keepAlive, ch.isOpen(), "open after the answer");
        ch.finishAndReleaseAll();
        return wire.toByteArray();
    }
}
