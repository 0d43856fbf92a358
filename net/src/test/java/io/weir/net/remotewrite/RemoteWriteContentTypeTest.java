package io.weir.net.remotewrite;

import org.junit.jupiter.api.Test;

import static io.weir.net.remotewrite.RemoteWriteContentType.UNSUPPORTED;
import static io.weir.net.remotewrite.RemoteWriteContentType.V1;
import static io.weir.net.remotewrite.RemoteWriteContentType.V2;
import static io.weir.net.remotewrite.RemoteWriteContentType.version;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RemoteWriteContentTypeTest {
    @Test
    void negotiatesAsTheSpecificationSays() {
        assertEquals(V1, version(null));
        assertEquals(V1, version("application/x-protobuf"));
        assertEquals(V1, version("Application/X-Protobuf"));
        assertEquals(V1, version("application/x-protobuf;proto=prometheus.WriteRequest"));
        assertEquals(V1, version("application/x-protobuf; charset=utf-8"));
        assertEquals(V2, version("application/x-protobuf;proto=io.prometheus.write.v2.Request"));
        assertEquals(V2, version("application/x-protobuf ; PROTO = \"io.prometheus.write.v2.Request\""));
        assertEquals(UNSUPPORTED, version("application/x-protobuf;proto=io.prometheus.write.v3.Request"));
        assertEquals(UNSUPPORTED, version("application/x-protobuf;proto="));
        assertEquals(UNSUPPORTED, version("application/json"));
        assertEquals(UNSUPPORTED, version(""));
        assertEquals(UNSUPPORTED, version("application/x-protobuf-v2"));
    }
}
