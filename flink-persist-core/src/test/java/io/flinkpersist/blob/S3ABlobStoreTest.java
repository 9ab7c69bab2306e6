package io.flinkpersist.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.testing.TestingS3Server;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.auth.NoAuthWithAWSException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Runs the {@link BlobStore} contract against {@link S3ABlobStore} on a real S3 API server ({@link
 * TestingS3Server}), publishing by S3A's conditional create; each test gets a fresh root in one
 * bucket. Blobs past 5 MiB go up as multipart uploads, whose completion carries the condition.
 */
class S3ABlobStoreTest extends BlobStoreContractTest {

    @RegisterExtension static final TestingS3Server.Extension S3 = new TestingS3Server.Extension();

    private static final AtomicInteger STORES = new AtomicInteger();
    private static final int MULTIPART_BYTES = 5 << 20;

    private static Configuration conf;
    private static String bucket;

    @BeforeAll
    static void createBucket() throws IOException {
        bucket = S3.server().createBucket();
        conf = S3.server().hadoopConf();
        conf.setLong("fs.s3a.multipart.size", MULTIPART_BYTES);
    }

    @Override
    protected BlobStore createStore() throws IOException {
        return S3ABlobStore.open(freshRoot(), conf);
    }

    private static URI freshRoot() {
        return URI.create("s3a://" + bucket + "/stores/" + STORES.incrementAndGet());
    }

    private S3ABlobStore s3() {
        return (S3ABlobStore) store;
    }

    @Test
    void theRegistryOpensS3aAndReadsS3AsS3a() throws IOException {
        String base = "s3://" + bucket + "/registry";
        try (BlobStore viaS3 = BlobStores.open(base, "orders", conf);
                BlobStore viaS3a =
                        BlobStores.open("s3a://" + bucket + "/registry/", "orders", conf)) {
            assertThat(viaS3).isInstanceOf(S3ABlobStore.class);
            assertThat(viaS3.describe())
                    .isEqualTo(viaS3a.describe())
                    .isEqualTo("s3a://" + bucket + "/registry/orders");
            viaS3.putIfAbsent("k", bytes("v"));
            assertContentOf(viaS3a, "k", bytes("v"));
        }
    }

    @Test
    void multipartBlobsArePublishedWholeAndOnlyOnce() throws IOException {
        byte[] first = random(2 * MULTIPART_BYTES + 12_345, 1);
        byte[] second = random(3 * MULTIPART_BYTES, 2);
        try (BlobWriter writer = store.create("batches/big.parquet")) {
            writer.write(first);
            assertThat(store.list("batches/")).isEmpty(); // parts are uploaded, nothing is visible
            writer.publish();
        }
        try (BlobWriter writer = store.create("batches/big.parquet")) {
            writer.write(second);
            assertThatThrownBy(writer::publish).isInstanceOf(BlobAlreadyExistsException.class);
        }
        assertContent("batches/big.parquet", first);
        try (BlobReader reader = store.open("batches/big.parquet")) {
            byte[] tail = new byte[100];
            reader.readFully(first.length - 100, tail, 0, 100);
            for (int i = 0; i < 100; i++) {
                assertThat(tail[i]).isEqualTo(first[first.length - 100 + i]);
            }
        }
        assertThat(store.list(""))
                .extracting(BlobInfo::sizeBytes)
                .containsExactly((long) first.length);
    }

    @Test
    void anAbandonedMultipartUploadLeavesNothing() throws IOException {
        try (BlobWriter writer = store.create("batches/abandoned.parquet")) {
            writer.write(random(2 * MULTIPART_BYTES, 3));
        }
        assertThat(store.list("")).isEmpty();
        store.putIfAbsent("batches/abandoned.parquet", bytes("later"));
        assertContent("batches/abandoned.parquet", bytes("later"));
    }

    /** Two writers racing for the same multipart blob: the completion decides, once. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void racingMultipartUploadsHaveExactlyOneWinner() throws Exception {
        int writers = 3;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Boolean>> won = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                byte[] data = random(MULTIPART_BYTES + 1000 * (w + 1), 10 + w);
                won.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    try (BlobWriter writer = store.create("state/race")) {
                                        writer.write(data);
                                        writer.publish();
                                        return true;
                                    } catch (BlobAlreadyExistsException e) {
                                        return false;
                                    }
                                }));
            }
            start.countDown();
            List<Integer> winners = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                if (won.get(w).get(120, TimeUnit.SECONDS)) {
                    winners.add(w);
                }
            }
            assertThat(winners).hasSize(1);
            assertContent(
                    "state/race",
                    random(MULTIPART_BYTES + 1000 * (winners.get(0) + 1), 10 + winners.get(0)));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStoreWithoutConditionalCreateIsRefusedAtOpen() throws IOException {
        String plain = S3.server().createBucket();
        Configuration off = new Configuration(conf);
        off.setBoolean("fs.s3a.bucket." + plain + ".create.conditional.enabled", false);
        assertThatThrownBy(() -> BlobStores.open("s3a://" + plain + "/persist", "orders", off))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "Cannot open blob store on s3a://"
                                + plain
                                + "/persist/orders: the"
                                + " filesystem offers no conditional create")
                .hasMessageContaining("fs.s3a.create.conditional.enabled")
                .hasMessageContaining("fs.s3a.bucket." + plain + ".create.conditional.enabled")
                .hasMessageContaining("If-None-Match");
    }

    @Test
    void aLocationWithoutABucketIsRefused() {
        assertThatThrownBy(() -> S3ABlobStore.open(URI.create("s3a:/no-bucket/x"), conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s3a://<bucket>/<path>");
    }

    /**
     * S3A retries uploads itself: a failure may come after a retry of a request that did create the
     * object. The write id read back tells whose the object is.
     */
    @Test
    void aFailedPublishReadsBackWhoseTheObjectIs() throws IOException {
        store.putIfAbsent("state/1", bytes("mine"));
        String mine = writeIdOf("state/1");
        assertThat(mine).hasSize(36);

        // Our own object: whatever the failure said, the blob is published.
        s3().resolvePublishFailure("state/1", mine, status(412));
        s3().resolvePublishFailure("state/1", mine, status(503));
        s3().resolvePublishFailure("state/1", mine, new SocketTimeoutException("read timed out"));
        // Someone else's: taken.
        for (IOException e :
                List.of(status(412), status(409), status(500), new SocketTimeoutException("x"))) {
            assertThatThrownBy(() -> s3().resolvePublishFailure("state/1", "another", e))
                    .isExactlyInstanceOf(BlobAlreadyExistsException.class);
        }
        // No object: the failure decides.
        assertThatThrownBy(() -> s3().resolvePublishFailure("state/2", mine, status(412)))
                .isExactlyInstanceOf(BlobAlreadyExistsException.class);
        for (IOException e :
                List.<IOException>of(
                        status(409),
                        new SocketTimeoutException("read timed out"),
                        new IOException(
                                SdkClientException.create("Unable to execute HTTP request")))) {
            assertThatThrownBy(() -> s3().resolvePublishFailure("state/2", mine, e))
                    .isExactlyInstanceOf(OutcomeUnknownException.class)
                    .hasMessageStartingWith(
                            "Cannot publish blob state/2: the upload failed without a definite answer");
        }
        for (IOException e :
                List.<IOException>of(
                        status(500),
                        status(403),
                        new IOException(new ConnectException("Connection refused")),
                        new IOException(new NoAuthWithAWSException("No AWS credentials", null)))) {
            assertThatThrownBy(() -> s3().resolvePublishFailure("state/2", mine, e))
                    .isExactlyInstanceOf(BlobStoreException.class)
                    .hasMessageStartingWith("Cannot publish blob state/2");
        }
        assertThat(store.list("")).extracting(BlobInfo::key).containsExactly("state/1");
    }

    /**
     * A server that takes an upload whole and drops the connection without answering (and answers
     * reads with 404): the upload failed after it was sent, so its outcome is unknown, though the
     * key reads back missing.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anUploadWhoseAnswerIsLostHasAnUnknownOutcome() throws Exception {
        try (ServerSocket lossy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> loseUploadAnswers(lossy), "lossy-s3");
            acceptor.setDaemon(true);
            acceptor.start();
            Configuration lossyConf = new Configuration(conf);
            lossyConf.set("fs.s3a.endpoint", "http://127.0.0.1:" + lossy.getLocalPort());
            lossyConf.setBoolean("fs.s3a.connection.expect.continue", false);
            lossyConf.setInt("fs.s3a.attempts.maximum", 0);
            lossyConf.setInt("fs.s3a.retry.limit", 0);
            String lossyBucket = "lossy-" + STORES.incrementAndGet();
            try (BlobStore lossyStore =
                    S3ABlobStore.open(URI.create("s3a://" + lossyBucket + "/x"), lossyConf)) {
                assertThatThrownBy(() -> lossyStore.putIfAbsent("state/1", bytes("lost?")))
                        .isExactlyInstanceOf(OutcomeUnknownException.class)
                        .hasMessageStartingWith("Cannot publish blob state/1: the upload failed");
            }
        }
    }

    /**
     * Serves each connection: a read gets 404; an upload is read whole, then the connection closes
     * without an answer.
     */
    private static void loseUploadAnswers(ServerSocket server) {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException closed) {
                return;
            }
            Thread connection = new Thread(() -> serveLossily(s));
            connection.setDaemon(true);
            connection.start();
        }
    }

    private static void serveLossily(Socket s) {
        try (s;
                DataInputStream in =
                        new DataInputStream(new BufferedInputStream(s.getInputStream()))) {
            while (true) {
                String request = readLine(in);
                if (request == null) {
                    return;
                }
                long length = 0;
                for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
                    if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Long.parseLong(h.substring(15).trim());
                    }
                }
                in.skipNBytes(length);
                if (!request.startsWith("GET ") && !request.startsWith("HEAD ")) {
                    return; // the upload arrived; its answer is lost
                }
                s.getOutputStream()
                        .write(
                                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                                        .getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            }
        } catch (IOException closed) {
            // the client gave up
        }
    }

    /** One CRLF-terminated line, or null at the end of the stream. */
    private static String readLine(DataInputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (c == '\n') {
                return line.toString().stripTrailing();
            }
            line.append((char) c);
        }
        return line.length() == 0 ? null : line.toString();
    }

    private String writeIdOf(String key) throws IOException {
        Path path = new Path(store.describe() + "/" + key);
        byte[] id =
                path.getFileSystem(conf).getXAttr(path, "header." + S3ABlobStore.WRITE_ID_HEADER);
        return new String(id, StandardCharsets.UTF_8);
    }

    /** An S3A failure carrying an answer with {@code status}, as S3A wraps the SDK's. */
    private static IOException status(int status) {
        return new IOException(
                "Writing Object on x",
                SdkServiceException.builder()
                        .statusCode(status)
                        .message("status " + status)
                        .build());
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static void assertContentOf(BlobStore s, String key, byte[] expected)
            throws IOException {
        assertThat(s.get(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(expected));
    }
}
