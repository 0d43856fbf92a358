package io.weir.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.weir.net.http.HttpResponses;
import io.weir.net.http.PromJson;
import io.weir.persistence.snapshot.SnapshotInfo;
import io.weir.persistence.snapshot.SnapshotManifest;
import io.weir.persistence.snapshot.Snapshotter;
import io.weir.persistence.wal.WalPosition;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code POST /api/v1/admin/snapshot} takes a snapshot and answers with its path once it is on disk;
 * {@code GET /api/v1/admin/snapshots/<name>/<file>} hands out a snapshot's files (its {@code MANIFEST} lists them),
 * so {@code weir snapshot --out} can copy one from a remote node. Both work off the event loop.
 */
final class SnapshotEndpoints {
    static final String FILES_PREFIX = "/api/v1/admin/snapshots/";
    /** Responses are built in memory; a larger file is refused rather than risking the heap. */
    private static final long MAX_FILE_BYTES = 1L << 30;

    private final Snapshotter snapshotter;

    SnapshotEndpoints(Snapshotter snapshotter) {
        this.snapshotter = snapshotter;
    }

    void take(ChannelHandlerContext ctx, FullHttpRequest r, boolean keepAlive) {
        snapshotter.request().whenComplete((info, failure) -> {
            if (failure != null) {
                StringBuilder sb = new StringBuilder("{\"status\":\"error\",\"errorType\":\"internal\",\"error\":");
                PromJson.string(sb, "snapshot failed: " + failure).append('}');
                HttpResponses.send(ctx, HttpResponses.json(HttpResponseStatus.INTERNAL_SERVER_ERROR, sb.toString()), keepAlive);
            } else {
                HttpResponses.send(ctx, HttpResponses.json(HttpResponseStatus.OK, json(info)), keepAlive);
            }
        });
    }

    static String json(SnapshotInfo info) {
        SnapshotManifest m = info.manifest();
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"status\":\"success\",\"data\":{\"name\":");
        PromJson.string(sb, info.name()).append(",\"path\":");
        PromJson.string(sb, info.path().toAbsolutePath().toString()).append(",\"wal_position\":");
        PromJson.string(sb, WalPosition.toString(m.walPosition()));
        sb.append(",\"series\":").append(m.seriesCount()).append(",\"shards\":").append(m.shardCount())
                .append(",\"state_bytes\":").append(info.stateBytes()).append(",\"file_bytes\":").append(info.fileBytes())
                .append(",\"copy_seconds\":").append(info.copyNanos() / 1e9).append(",\"write_seconds\":").append(info.writeNanos() / 1e9)
                .append(",\"files\":[");
        for (int i = 0; i < m.files().size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            PromJson.string(sb, m.files().get(i).name());
        }
        return sb.append("]}}").toString();
    }

    void file(ChannelHandlerContext ctx, FullHttpRequest r, boolean keepAlive) {
        String uri = r.uri();
        int q = uri.indexOf('?');
        String rest = (q < 0 ? uri : uri.substring(0, q)).substring(FILES_PREFIX.length());
        int slash = rest.indexOf('/');
        Path dir = slash < 0 ? null : snapshotter.store().resolve(rest.substring(0, slash));
        String file = slash < 0 ? "" : rest.substring(slash + 1);
        if (dir == null || !file.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.NOT_FOUND, "no such snapshot file: " + rest), keepAlive);
            return;
        }
        Thread.ofVirtual().name("weir-snapshot-download").start(() -> {
            Path p = dir.resolve(file);
            try {
                if (!Files.isRegularFile(p)) {
                    HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.NOT_FOUND, "no such snapshot file: " + rest), keepAlive);
                } else if (Files.size(p) > MAX_FILE_BYTES) {
                    HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.INSUFFICIENT_STORAGE,
                            "snapshot file over 1 GiB: copy it from the node's data dir instead"), keepAlive);
                } else {
                    HttpResponses.send(ctx, HttpResponses.of(HttpResponseStatus.OK, "application/octet-stream", Files.readAllBytes(p)), keepAlive);
                }
            } catch (IOException e) {
                // pruned between the request and the read, most likely
                HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.NOT_FOUND, "cannot read " + rest + ": " + e.getMessage()), keepAlive);
            }
        });
    }
}
