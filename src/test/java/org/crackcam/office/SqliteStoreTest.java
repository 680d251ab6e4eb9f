package org.crackcam.office;

/** {@link OfficeStoreContract} on an embedded SQLite file. */
class SqliteStoreTest extends OfficeStoreContract {

    @Override
    OfficeDatabase openDatabase() {
        return OfficeDatabase.open(tmp.resolve("office.sqlite").toString(), null, null);
    }
}
