package org.crackcam.office;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link OfficeStoreContract} on PostgreSQL + PostGIS started from Debian's packages; skipped only
 * when those are not installed (tools/scripts/test-all.sh installs them).
 */
class PostgisStoreTest extends OfficeStoreContract {

    @Override
    OfficeDatabase openDatabase() throws Exception {
        PgServer pg = PgServer.get();
        assumeTrue(pg != null, () -> "PostgreSQL tests skipped: " + PgServer.whyUnavailable());
        return OfficeDatabase.open(pg.newDatabase(), "postgres", null);
    }
}
