package org.crackcam.settings;

/**
 * One setting's two names: its key in the service's configuration file and its command-line
 * option. The records of this package own their keys, so a problem is reported under the name the
 * user typed ({@code tiles.rows must be ≥ 1, got 0} in a file, {@code --rows must be ≥ 1, got 0}
 * on the command line) while the check itself exists once.
 *
 * @param yaml   dotted path in the YAML file, e.g. {@code tiles.rows}
 * @param option command-line option, e.g. {@code --rows}
 */
public record Key(String yaml, String option) {

    /** The last part of the YAML path ({@code rows} for {@code tiles.rows}). */
    public String leaf() {
        return yaml.substring(yaml.lastIndexOf('.') + 1);
    }

    /** The YAML section of the key ({@code tiles} for {@code tiles.rows}, {@code mqtt.tls} for {@code mqtt.tls.ca_file}). */
    public String section() {
        int i = yaml.lastIndexOf('.');
        return i < 0 ? "" : yaml.substring(0, i);
    }
}
