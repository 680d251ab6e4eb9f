package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.crackcam.alerts.Alert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {

    @TempDir
    Path dir;

    @Test
    void storedAlertsSurviveReopeningInOrderAndRemoveDeletesThem() {
        Outbox box = Outbox.open(dir, 1 << 20);
        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            alerts.add(TestAlerts.alert("d", i, 10));
            box.put(alerts.get(i));
        }
        Outbox again = Outbox.open(dir, 1 << 20);
        List<Outbox.Entry> pending = again.pending();
        assertEquals(5, pending.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(alerts.get(i).id(), pending.get(i).alertId(), "order at " + i);
            assertArrayEquals(alerts.get(i).json(), again.read(pending.get(i)));
        }
        again.remove(pending.get(0));
        again.remove(pending.get(0));
        assertEquals(1, again.deliveredCount());
        assertEquals(4, Outbox.open(dir, 1 << 20).size());
        assertTrue(Files.notExists(pending.get(0).path()));
    }

    @Test
    void corruptFilesAreQuarantinedAndTheRestStillGoes() throws Exception {
        Outbox box = Outbox.open(dir, 1 << 20);
        List<Outbox.Entry> es = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            es.add(box.put(TestAlerts.alert("d", i, 100)));
        }
        byte[] raw = Files.readAllBytes(es.get(1).path());
        Files.write(es.get(1).path(), java.util.Arrays.copyOf(raw, raw.length / 2)); // truncated
        Files.write(es.get(2).path(), new byte[] {0x13, 0x37, 0x00, (byte) 0xff}); // garbage
        byte[] flipped = Files.readAllBytes(es.get(3).path());
        flipped[flipped.length - 5] ^= 0x01; // one bit: checksum
        Files.write(es.get(3).path(), flipped);
        String text = Files.readString(es.get(4).path());
        // valid header and checksum over invalid JSON
        String bad = "{\"alert_id\": oops";
        Files.writeString(es.get(4).path(), Outbox.MAGIC + " " + bad.length() + " "
                + java.util.HexFormat.of().formatHex(Outbox.sha256(bad.getBytes())) + "\n" + bad);
        Files.writeString(dir.resolve("notes.txt"), "someone's file");

        Outbox reopened = Outbox.open(dir, 1 << 20);
        assertEquals(5, reopened.quarantinedCount());
        List<Outbox.Entry> left = reopened.pending();
        assertEquals(List.of(es.get(0).alertId(), es.get(5).alertId()), left.stream().map(Outbox.Entry::alertId).toList());
        assertEquals(5, Files.list(dir.resolve("quarantine")).count());
        assertTrue(text.startsWith(Outbox.MAGIC));

        // corruption after start-up is caught at read time
        Files.write(left.get(1).path(), new byte[] {1, 2, 3});
        assertNull(reopened.read(left.get(1)));
        assertEquals(6, reopened.quarantinedCount());
        assertEquals(1, reopened.size());
    }

    @Test
    void quotaEvictsTheOldestAndCountsThem() {
        Alert sample = TestAlerts.alert("d", 0, 1000);
        long perFile = sample.json().length + 120;
        Outbox box = Outbox.open(dir, perFile * 10);
        List<Outbox.Entry> es = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            es.add(box.put(TestAlerts.alert("d", i, 1000)));
        }
        assertEquals(15, box.evictedCount());
        assertEquals(10, box.size());
        assertEquals(es.get(15).alertId(), box.pending().get(0).alertId());
        assertTrue(box.sizeBytes() <= perFile * 10);
        assertTrue(Files.notExists(es.get(0).path()));
        assertEquals(10, Outbox.open(dir, perFile * 10).size());
    }

    @Test
    void staleTemporaryFilesFromACrashAreRemoved() throws Exception {
        Path tmp = dir.resolve(".tmp-00000000000000000001-0190d1c2-0000-7000-8000-000000000000.alert");
        Files.writeString(tmp, "half written");
        Files.setLastModifiedTime(tmp, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        Outbox box = Outbox.open(dir, 1 << 20);
        assertEquals(0, box.size());
        assertTrue(Files.notExists(tmp));
        assertEquals(0, box.quarantinedCount());
    }

    static String mode(Path p) throws Exception {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void outboxFilesArePrivateOrGroupReadableNeverWorldReadable() throws Exception {
        Path priv = dir.resolve("state").resolve("outbox");
        Outbox box = Outbox.open(priv, 1 << 20);
        Outbox.Entry e = box.put(TestAlerts.alert("d", 0, 10));
        Files.writeString(priv.resolve("garbage.alert"), "x"); // quarantined at the next open
        try (OutboxPublisher pub = new OutboxPublisher(box, MqttSettings.of("tcp://127.0.0.1:1", "d"))) {
            pub.start(); // creates .publisher.lock; nothing listens on port 1, so nothing is sent
            assertEquals("rw-------", mode(priv.resolve(".publisher.lock")));
        }
        Outbox.open(priv, 1 << 20);
        assertEquals("rwx------", mode(priv));
        assertEquals("rwx------", mode(priv.getParent()), "parents created by the outbox are private too");
        assertEquals("rw-------", mode(e.path()));
        assertEquals("rwx------", mode(priv.resolve("quarantine")));

        Path shared = dir.resolve("shared");
        Outbox g = Outbox.open(shared, 1 << 20, FileModes.GROUP_READABLE);
        Outbox.Entry ge = g.put(TestAlerts.alert("d", 1, 10));
        assertEquals("rwxr-x---", mode(shared));
        assertEquals("rw-r-----", mode(ge.path()));

        // an outbox left world-readable by an older version is tightened when opened
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(ge.path(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(shared.resolve("quarantine"));
        Files.setPosixFilePermissions(shared.resolve("quarantine"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Outbox.open(shared, 1 << 20);
        assertEquals("rwx------", mode(shared));
        assertEquals("rwx------", mode(shared.resolve("quarantine")));
        assertEquals("rw-------", mode(ge.path()));
    }
}
