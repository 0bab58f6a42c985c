package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Modes are written as the state file and the plans have always shown them: octal, at least four digits. */
class OwnershipProperties {

    @Property
    void aModeIsWrittenAsFourOctalDigitsAtLeast(@ForAll @IntRange(min = 0, max = 07777) int mode) {
        assertThat(Ownership.formatMode(mode)).isEqualTo(String.format("%04o", mode)).hasSize(4);
    }

    @Property
    void anyIntIsWrittenAsFormatWouldWriteIt(@ForAll int mode) {
        assertThat(Ownership.formatMode(mode)).isEqualTo(String.format("%04o", mode));
    }
}
