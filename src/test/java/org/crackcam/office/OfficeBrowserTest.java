package org.crackcam.office;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The office UI in a real headless Chromium (Debian's chromium and chromium-driver, driven by
 * Selenium): the map shows every crack, a verdict set in the page is stored and still there after
 * a restart, a new alert appears without reloading the page, and HTML inside alert fields is
 * shown as text. Screenshots go to target/office-screens/ (docs/office-*.png come from there).
 */
class OfficeBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final String EVIL = "<img src=x onerror=\"document.body.dataset.pwned='yes'\">";

    @TempDir
    Path tmp;
    private ChromeDriver browser;
    private WebDriverWait wait;
    private OfficeDatabase db;
    private OfficeServer server;
    private CrackStore store;

    @BeforeEach
    void startBrowser() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "browser tests skipped: Debian's chromium and chromium-driver are not installed");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,900");
        ChromeDriverService svc = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(svc, o);
        browser.manage().window().setSize(new Dimension(1400, 900));
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private String open(Path dbFile) throws Exception {
        if (server != null) {
            server.close();
            db.close();
        }
        db = OfficeDatabase.open(dbFile.toString(), null, null);
        store = new CrackStore(db, MergeRule.defaults());
        server = new OfficeServer(store, new OfficeServer.Config(new InetSocketAddress("127.0.0.1", 0), null, null,
                null, ""));
        server.start();
        return server.url();
    }

    private void loaded() {
        wait.until(d -> ((JavascriptExecutor) d).executeScript("return document.body.dataset.loaded") != null);
    }

    private void shot(String name) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "office-screens"));
        Files.write(dir.resolve(name), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void mapVerdictRestartLiveUpdateAndEscaping() throws Exception {
        Path dbFile = tmp.resolve("office.sqlite");
        String base = open(dbFile);
        AlertReceiver receiver = new AlertReceiver(new AlertIntake(AlertIntake.DEFAULT_MAX_BYTES), store);
        receiver.importFolder(DemoAlerts.outbox());
        List<JsonNode> demo = DemoAlerts.valid();
        // two more drives a month apart, the cracks a little longer each time (a growth trend)
        for (int k = 1; k <= 2; k++) {
            for (byte[] b : DemoAlerts.drive(demo, "month" + k, k * 30L * 86_400_000L, null)) {
                ObjectNode n = (ObjectNode) DemoAlerts.JSON.readTree(b);
                ObjectNode ms = n.with("mask_stats");
                ms.put("skeleton_length_px", ms.get("skeleton_length_px").asDouble() * (1 + 0.15 * k));
                ms.put("area_px", Math.round(ms.get("area_px").asLong() * (1 + 0.25 * k)));
                receiver.accept(null, DemoAlerts.bytes(n));
            }
        }
        // an alert whose source name is HTML, 30 m beside the drive (a crack of its own)
        ObjectNode evil = demo.get(0).deepCopy();
        evil.put("alert_id", DemoAlerts.idLike("evil", '8'));
        evil.with("source").put("name", EVIL);
        evil.with("position").put("lat", evil.at("/position/lat").asDouble() + 0.0003);
        receiver.accept(null, DemoAlerts.bytes(evil));
        long cracks = store.crackCount();
        long evilId = store.cracks(new CrackFilter(null, null, null, null, null, null, "img src", 10)).get(0).id();

        // the map shows every crack (all have positions)
        browser.get(base);
        loaded();
        wait.until(d -> d.findElements(By.cssSelector("path.crack-marker")).size() == cracks);
        assertEquals(cracks, browser.findElements(By.cssSelector("#crack-list tbody tr")).size());
        browser.findElement(By.cssSelector("#f-q")).sendKeys("img src");
        browser.findElement(By.cssSelector("#filters button")).click();
        wait.until(d -> d.findElements(By.cssSelector("#crack-list tbody tr")).size() == 1);
        browser.findElement(By.cssSelector("#f-q")).clear();
        browser.findElement(By.cssSelector("#filters button")).click();
        wait.until(d -> d.findElements(By.cssSelector("#crack-list tbody tr")).size() == cracks);
        browser.executeScript("window.notReloaded = 42;");
        // live: a new sighting elsewhere appears without a reload
        ObjectNode late = demo.get(1).deepCopy();
        late.put("alert_id", DemoAlerts.idLike("late", '8'));
        late.with("position").put("lat", late.at("/position/lat").asDouble() - 0.0003);
        wait.until(d -> "live on".equals(d.findElement(By.id("live")).getAttribute("class")));
        receiver.accept(null, DemoAlerts.bytes(late));
        wait.until(d -> d.findElements(By.cssSelector("#crack-list tbody tr")).size() == cracks + 1);
        assertEquals(42L, browser.executeScript("return window.notReloaded;"), "updated live, not reloaded");
        browser.executeScript("const m = document.querySelectorAll('path.crack-marker');"
                + " m[Math.floor(m.length / 2)].dispatchEvent(new MouseEvent('click', {bubbles: true}))");
        Thread.sleep(500);
        shot("office-map.png");

        // a crack seen on three drives: its page with the trend
        long longest = store.cracks(CrackFilter.all()).stream().filter(c -> c.sightings() == 3)
                .max(java.util.Comparator.comparingDouble(CrackStore.Crack::lengthPx)).orElseThrow().id();
        browser.get(base + "crack?id=" + longest);
        loaded();
        assertEquals(3, browser.findElements(By.cssSelector("#sightings .sighting")).size());
        assertEquals(6, browser.findElements(By.cssSelector("#trend circle")).size(), "3 points x (length, area)");
        wait.until(d -> !d.findElements(By.cssSelector(".sighting .box")).isEmpty());
        browser.manage().window().setSize(new Dimension(1400, 1500)); // the sightings below the fold too
        Thread.sleep(300);
        shot("office-crack.png");
        browser.manage().window().setSize(new Dimension(1400, 900));

        // the crack page of the HTML alert: shown as text, nothing injected
        browser.get(base + "crack?id=" + evilId);
        loaded();
        String page = browser.findElement(By.id("sightings")).getText();
        assertTrue(page.contains(EVIL), "source name shown literally: " + page);
        assertTrue(browser.findElements(By.cssSelector("img[src='x']")).isEmpty(), "no injected element");
        assertNull(browser.executeScript("return document.body.dataset.pwned || null;"));

        // a verdict from the page is stored with who and when
        WebElement who = browser.findElement(By.id("who"));
        who.clear();
        who.sendKeys("Inspector <b>K</b>");
        browser.findElement(By.id("note")).sendKeys("seen on site <script>alert(1)</script>");
        browser.findElement(By.id("verdict-confirmed")).click();
        wait.until(d -> d.findElement(By.id("verdict-msg")).getText().startsWith("Stored"));
        List<CrackStore.Verdict> vs = store.verdicts(evilId);
        assertEquals(1, vs.size());
        assertEquals("confirmed", vs.get(0).verdict());
        assertEquals("Inspector <b>K</b>", vs.get(0).who());
        assertTrue(Math.abs(System.currentTimeMillis() - vs.get(0).atMs()) < 60_000);
        shot("office-crack-verdict.png");

        // restart the office on the same database: the verdict is still there
        base = open(dbFile);
        browser.get(base + "crack?id=" + evilId);
        loaded();
        wait.until(d -> !d.findElements(By.cssSelector("#verdicts li")).isEmpty());
        String v = browser.findElement(By.id("verdicts")).getText();
        assertTrue(v.contains("confirmed") && v.contains("Inspector <b>K</b>") && v.contains("<script>alert(1)</script>"), v);
        assertFalse(browser.findElement(By.cssSelector("#summary .st")).getText().isEmpty());
        assertEquals("confirmed", browser.findElement(By.cssSelector("#summary .st")).getText());
    }
}
