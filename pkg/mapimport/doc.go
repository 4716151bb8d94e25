// Package mapimport turns external formats into a map document
// (*mapdoc.Document) with a report on every input row or resource: the
// actor-mapping form as CSV ([CSV]) and a FHIR R4 Bundle in JSON ([FHIR]).
//
// Both importers are all or nothing. The [Report] has one [Line] per row or
// resource (what it became, what was adjusted, or why it was rejected or
// skipped), and if any line is rejected the document is nil and the error
// wraps [ErrRejected]: a rejected file writes nothing. An accepted document
// has been through mapdoc's Validator (Canonical, then Parse), exactly as
// samspill import checks a file; a refusal there is a bug in this package
// and comes back as an error that does not wrap ErrRejected. The output is
// deterministic: the same input and options give the same document and
// report.
//
// Report lines never hold a national identity number: values from the
// input are quoted only after the privacy guard (package nationalid) has
// passed them, and are masked and cut to 60 characters when quoted.
//
// # The actor-mapping form (CSV)
//
// The file is the seed's "skjema for aktørkartlegging": a header line and
// one row per actor. At most 1 MiB, 500 actor rows and 4 KiB per line.
// Comma or semicolon separated, sniffed from the header line (Norwegian
// Excel writes semicolons) or named by Excel's "sep=;" first line; an
// optional UTF-8 byte-order mark; LF or CRLF line ends; values in double
// quotes may hold separators, doubled quotes and line breaks. A file that
// is not UTF-8 is read as Windows-1252 (Excel's plain "CSV" on Norwegian
// Windows) and the report says so; control characters, workbooks
// (.xlsx/.xls) and UTF-16 are rejected. Row numbers are the file's line
// numbers (the line a row starts on), as a text editor shows them and as a
// spreadsheet does when no value holds a line break.
//
// Header names are matched without regard to case, in any order:
//
//	column      header texts
//	name        navn, name, aktør, actor, aktørens navn, navn på aktør
//	sector      sektor, sector
//	kind        type, kind, art
//	relation    relasjon, relation, relasjon til personen, relation to the person,
//	            relasjon til brukeren, relationship
//	importance  betydning, importance
//	influence   påvirkning, påvirkningskraft, influence
//	notes       notater, notat, merknad, merknader, notes, kommentar, comment
//
// Name and sector are required; other columns are ignored (and reported).
// Values are matched without regard to case; the sector column takes the
// wire ids of domain.md (except citizen: the person in focus comes from the
// options) or Norwegian, Swedish, Danish and English words, among them:
//
//	primary-health   fastlege, lege, legekontor, legevakt, GP, vårdcentral
//	specialist-mh    DPS, distriktspsykiatrisk senter, psykiatri, FACT, ACT
//	specialist-su    TSB, LAR, rusbehandling, avrusning
//	welfare-work     NAV, NAV-kontor, Försäkringskassan, Arbetsförmedlingen, jobcenter
//	social-services  sosialtjeneste, sosialkontor, socialtjänst
//	housing          bolig, boligkontor, boligtjeneste, bemannet bolig, Housing First
//	informal         pårørende, familie, venn, nabo, mor, far, søsken
//	user-org         brukerorganisasjon, Mental Helse, A-larm, RIO, LPP, RSMH, SIND, LAP
//	peer             likeperson, likemann, erfaringskonsulent
//	municipal-mh-su  kommunal psykisk helse og rus, psykisk helse og rus, rustjeneste,
//	                 lavterskeltilbud
//	municipal-care   hjemmesykepleie, hjemmetjeneste, praktisk bistand, hemtjänst
//	justice          politi, kriminalomsorg, friomsorg, fengsel
//	education-work   skole, arbeidsgiver, arbeidsplass, utdanning
//	civil-society    frivillig, frivilligsentral, kirke, menighet, fontenehus
//	governance       koordinerende enhet, helseforetak, kommunestyre; ansvarsgruppe and
//	                 individuell plan (of kind forum)
//
// The kind column takes person, tjeneste or service, organisasjon or
// organisation, forum (or ansvarsgruppe). An empty kind follows from the
// sector word: fastlege, lege, pårørende and likeperson are persons,
// brukerorganisasjon, frivillig and helseforetak organisations,
// ansvarsgruppe a forum; written as a wire id, informal and peer are
// persons, user-org and civil-society organisations, everything else a
// service.
//
// The relation column gives the type of the one relation between the actor
// and the person in focus:
//
//	serves        behandler, behandling, gir tjenester, tjenesteyter, oppfølging,
//	              saksbehandler, støtte; venn, nabo (friends support the person)
//	coordinates   koordinator, koordinerer, coordinator
//	collaborates  samarbeider, samarbeid
//	refers        henviser, henvisning
//	informs       informerer, informasjon
//	family        familie, pårørende, mor, far, bror, søster, barn, ektefelle, samboer
//	peer-support  likeperson, likemann, erfaringskonsulent, peer support
//	member-of     medlem, deltaker (the person is a member of the actor, a forum or
//	              an organisation)
//
// and the English wire ids. The relation runs from the actor to the person
// ("citizen"), except member-of, which runs from the person to the forum or
// organisation. It starts on opts.AsOf and has quality unknown. An empty or
// unknown relation is taken from the sector and kind (a forum: member-of;
// informal: family; peer: peer-support; otherwise serves) and the report
// says so. The first coordinates row also becomes the map's coordinator,
// assigned on AsOf, so that the analysis does not report a missing one.
//
// Importance and influence take høy/middels/lav or high/medium/low (an
// unknown value is left out and reported); notes become the assessment's
// role. Level is individual for informal actors (and the person), service
// for everyone else. Actor ids are slugs of the names (lower-case ASCII,
// æ→ae, ø→o, å→a, ä→a, ö→o, é→e, other characters '-'), made unique with
// -2, -3, …; relations are r1, r2, … in row order; the person is
// "citizen", named opts.CitizenName.
//
// A row is rejected for: an empty name; an unknown or empty sector (the
// message names the value and the allowed ones); an unknown kind; a
// national identity number in any cell (the message names the column, not
// the digits); the same name and sector as an earlier row; a name over 200
// or notes over 2000 characters; more values than the header has columns;
// member-of a person or service. The file is rejected when it is over
// 1 MiB, has more than 500 rows, a line over 4 KiB, no header with name and
// sector, or a quoting error (an unterminated quote stops the reading
// there). Blank lines (also lines of separators only) are skipped and
// reported, runs of them as one line. A value that begins like a
// spreadsheet formula ("=cmd|' /C calc'!A0") is kept as plain text, never
// evaluated, and the report points it out.
//
// # FHIR R4 Bundles
//
// A JSON Bundle (any Bundle.type) of at most 8 MiB, 2,000 entries and JSON
// nesting 100 deep. Only the elements below are read; identifiers and
// everything else are never decoded or copied.
//
//	resource          becomes
//	Patient           the person in focus (exactly one): actor "citizen"; its name
//	                  (use usual, then official) is the focus label and the name
//	Organization      an organisation actor, level service, its sector guessed from
//	                  Organization.type (below); no sector, no import
//	Practitioner      a person actor, level service, of the sector of its first
//	                  PractitionerRole's organization (or, failing that, of the
//	                  role's code and specialty)
//	PractitionerRole  member-of from the practitioner to the organization, valid
//	                  for the role's period
//	RelatedPerson     an informal person actor, level individual; the
//	                  relationship's text is the assessment's role; a family
//	                  relation to the person (serves for friends and neighbours),
//	                  valid for its period
//	CareTeam          a forum actor (sector governance, level service) named by
//	                  CareTeam.name; each participant.member (Practitioner,
//	                  PractitionerRole, Organization, RelatedPerson, the Patient)
//	                  is member-of it, and each professional one (Practitioner,
//	                  PractitionerRole, Organization) also serves the person, for
//	                  participant.period, completed from CareTeam.period. An active
//	                  CareTeam whose category says plan ("Individuell plan", "SIP",
//	                  "indsatsplan", "care plan") is the map's plan, created on the
//	                  start of its period. Status entered-in-error is skipped.
//
// Organization.type's texts, codes and displays are matched against these
// keywords in order (whole words in capitals, substrings otherwise); the
// first match wins:
//
//	municipal-mh-su  kommunal psykisk, kommunal rus, municipal mental, psykisk helse og rus
//	primary-health   GP, fastlege, general practi…, allmennlege, legekontor, legevakt
//	specialist-mh    DPS, psychiatr…, psykiatr…
//	specialist-su    RUS, TSB, LAR, substance, rusbehandling, avrus…, addiction
//	welfare-work     NAV, welfare, velferd
//	social-services  sosialtjeneste, social service
//	housing          bolig, housing
//	municipal-care   hjemmesykepleie, hjemmetjeneste, home care, home nursing
//	user-org         brukerorganisasjon, user organi…
//	justice          politi, police, kriminalomsorg, prison, probation
//	education-work   skole, school, education, employer, arbeidsgiver
//	civil-society    frivillig, volunteer, religious, community group
//	governance       koordinerende enhet, coordinating unit, helseforetak, health trust
//
// References are followed by fullUrl (urn:uuid:… or absolute) and by
// "Type/id" (relative, or the tail of an absolute URL; _history is
// ignored). Dates are FHIR dates or dateTimes; a dateTime's date is taken as
// written, a partial date covers its month or year. A Period's end is
// inclusive in FHIR, so validTo (the first day a relation no longer holds)
// is the day after it. A period without a start starts on AsOf (or on its
// last day if that is earlier), and the report says so. Relations have
// quality unknown. Ids are slugs of the names as for CSV, handed out in
// bundle order, and relations are numbered in bundle order.
//
// Resource types not listed are skipped and reported, not rejected. An
// entry is rejected for a reference that dangles, points to a contained
// resource or to the wrong type; a date that cannot be read; a period that
// ends before it starts or starts after AsOf; a name holding a national
// identity number (the Patient's identifiers are dropped silently, never
// copied); a missing name; a second Patient; an Organization whose type
// gives no sector; a Practitioner without a sector; elements of the wrong
// JSON type; a duplicate fullUrl or type and id. The file is rejected when
// it is not UTF-8 JSON, not a Bundle, has no Patient, is too large, too
// deep, or has too many entries.
package mapimport
