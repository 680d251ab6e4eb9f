package org.crackcam.alerts;

/**
 * One serialised alert document.
 *
 * @param id   the alert id (a UUID, see {@link AlertFactory})
 * @param json the compact UTF-8 JSON document ({@code crackcam.alert/2}; its {@code revision} is inside); not to be modified
 */
public record Alert(String id, byte[] json) {
}
