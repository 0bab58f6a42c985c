package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a host's state records of a stack, read back by this and by earlier versions of Driftless. */
class StackRecordTest {

    private static final String SHA = "sha256:" + "a".repeat(64);

    @Test
    void aRecordWrittenBeforeImagesWereRecordedReadsWithoutImagesAndTheSameFieldsStayFirst() {
        String before = "directory=%2Fsrv%2Fdriftless%2Fapp;engine=;volumes=keep;service:web=" + "1".repeat(64);

        StackRecord old = StackRecord.of(before);
        StackRecord now = old.withImages(Map.of("web", new StackRecord.Image("127.0.0.1:5000/app:latest", SHA,
                Optional.of("127.0.0.1:5000/app@" + SHA))));

        assertThat(old.images()).isEmpty();
        assertThat(old.pins()).isEmpty();
        assertThat(old.encode()).isEqualTo(before);
        // an older reader takes directory, engine, volumes and service: fields and skips the others
        assertThat(now.encode()).startsWith(before + ";").contains(";image:web=").contains(";digest:web=");
        assertThat(StackRecord.of(now.encode())).isEqualTo(now);
    }

    @Test
    void anImageIsPinnedByTheDigestOfTheRepositoryItsComposeFileNamesElseByItsId() {
        List<String> digests = List.of("mirror.example/app@sha256:1", "127.0.0.1:5000/app@sha256:2");

        assertThat(StackImages.digestFor("127.0.0.1:5000/app:latest", digests)).contains("127.0.0.1:5000/app@sha256:2");
        assertThat(StackImages.digestFor("busybox", List.of("busybox@sha256:3"))).contains("busybox@sha256:3");
        assertThat(StackImages.digestFor("docker.io/library/busybox:1", List.of("busybox@sha256:3")))
                .contains("busybox@sha256:3");
        assertThat(StackImages.digestFor("other/app:1", digests)).contains("mirror.example/app@sha256:1");
        assertThat(new StackRecord.Image("app:1", SHA, Optional.empty()).pin()).isEqualTo(SHA);
    }
}
