// Package nationalid detects Nordic national identity numbers in free-form
// input. It is a privacy guard: a citizen is never identified by a national
// identity number in Samspill, so input that looks like one (is
// checksum-valid) is rejected with a clear error. Check is the entry point for
// command handlers; Find and Contains report where numbers are.
//
// A Match and an *Error name the kind of number and its byte offsets but
// never carry the digits, so both are safe to log.
//
// # Candidates
//
// Only maximal runs of ASCII digits bounded by non-digits (or the ends of
// the input) are considered, and only in these written forms:
//
//   - 11 digits, contiguous or as 6 digits, one space (or '-') and 5 digits:
//     Norwegian fødselsnummer or D-number, "01019012345", "010190 12345".
//   - 10 digits, contiguous or as 6 digits, one '-', '+' or space and 4
//     digits: Swedish personnummer (short form) or Danish CPR number,
//     "121212-1212", "211062-5629".
//   - 12 digits, contiguous or as 8 digits, '-' and 4 digits: Swedish
//     personnummer (long form), "19121212-1212".
//
// A no-break space (U+00A0) counts as a space. A digit run of any other
// length is not a candidate, and nothing is looked for inside a longer run,
// so order numbers, IBANs, card numbers and millisecond timestamps are never
// taken apart.
//
// # Rules
//
// Norwegian fødselsnummer, DDMMYYIIIKK: the date must exist and both
// modulus-11 control digits must hold (weights 3,7,6,1,8,9,4,5,2 and
// 5,4,3,2,7,6,5,4,3,2; remainder 0 gives control 0, remainder 1 means no
// valid number). D-numbers add 40 to the day and are reported as
// NorwegianDNumber; H-numbers and NAV's synthetic numbers add 40 to the
// month, Skatteetaten's synthetic Tenor test numbers add 80; these are
// accepted in any combination with the D-number offset. Only the classic
// checksum is implemented: numbers issued from 2032 may use different
// control digits and will not be detected until this package learns them.
// FH-numbers (first digit 8 or 9, no date) are not detected.
//
// Swedish personnummer, YYMMDD-NNNC or YYYYMMDD-NNNC: the date must exist
// (samordningsnummer add 60 to the day; the long form's century must be 18,
// 19 or 20) and the Luhn check over the ten-digit form must hold.
//
// Danish CPR number, DDMMYY-SSSS: the date must exist and the old
// modulus-11 check (weights 4,3,2,7,6,5,4,3,2,1) must hold. Since 2007 some
// CPR numbers are issued that do not satisfy modulus 11; by the product
// rule only checksum-valid numbers are rejected, so those pass undetected.
//
// Where only two year digits are present, the century is not derived from
// the individual number: 29 February is accepted whenever some century
// (1800, 1900, 2000) makes the year a leap year. A ten-digit number valid
// both as a Swedish personnummer and as a Danish CPR number is reported as
// Swedish.
//
// # Phone numbers and dates
//
// Grouped phone numbers ("070-123 45 67", "987 65 432", "22 33 44 55") and
// dates ("2026-11-23", "23.11.2026", "20261123") never fit the candidate
// forms. In addition:
//
//   - a run directly preceded by '+' ("+4722334455"), or by a country code
//     and one space ("+47 ", "0047 "), is an international phone number and
//     is skipped;
//   - a contiguous 10-digit run starting with 070, 072, 073, 076 or 079 is a
//     Swedish mobile number and is skipped.
//
// # Residual risks
//
// False negatives: a Swedish personnummer or Danish CPR number written as ten
// contiguous digits whose first three digits are a Swedish mobile prefix
// (Swedish: born January–September 1907 or 2007; Danish: born on the 7th
// of January–September) is skipped as a phone number; so is any number written right after '+' or a country code.
// Numbers written with other separators (dots, several spaces, other
// Unicode spaces), with non-ASCII digits, or split across fields are not
// seen. Danish numbers failing modulus 11 and post-2032 Norwegian numbers
// are not detected (see above).
//
// False positives: any other digit string in a candidate form whose date
// exists has roughly a one-in-ten chance of passing a checksum. Known
// collisions are contiguous 11-digit Norwegian bank account numbers (the
// usual 1234.56.78903 form has dots and is safe), 12-digit compact
// date-times (YYYYMMDDhhmm), a 6-digit date followed by one space and a
// 4-digit time or year ("231126 1030"), and 10-digit Unix timestamps in
// seconds from the few months whose third and fourth digits form a month
// (for example Nov 2023 to Apr 2024 and Jan to Jun 2027; none of 2026). Such input is rejected with an error
// that tells the user why; rewording it (for example with dots or a colon)
// gets it through.
package nationalid
