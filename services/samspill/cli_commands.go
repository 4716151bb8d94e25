package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
)

// The vocabularies of the typed flags (domain.md).
func kindValues() []string     { return strs(stakeholder.Kinds()) }
func levelValues() []string    { return strs(stakeholder.Levels()) }
func sectorValues() []string   { return strs(stakeholder.Sectors()) }
func relationValues() []string { return strs(stakeholder.RelationTypes()) }
func qualityValues() []string  { return []string{"good", "strained", "broken", "unknown"} }
func scaleValues() []string    { return []string{"high", "medium", "low"} }
func linkageValues() []string  { return []string{"enabling", "functional", "normative", "diffused"} }
func attitudeValues() []string { return []string{"supportive", "neutral", "opposed"} }
func consentValues() []string  { return []string{"given", "refused", "unknown"} }
func focusValues() []string    { return []string{"citizen", "municipality", "region"} }
func entryValues() []string    { return []string{"organisation", "service"} }

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// paramKind is how a flag's value goes into the command's JSON.
type paramKind int

const (
	pString paramKind = iota // a JSON string
	pChoice                  // a JSON string from a vocabulary
	pBool                    // true or false; sent only when given
	pInt                     // a whole number in [lo, hi]; sent only when given
)

// param is one typed flag of a command.
type param struct {
	flag     string
	json     string
	kind     paramKind
	values   []string // pChoice
	lo, hi   int      // pInt
	def      string   // pChoice: sent when the flag is not given
	required bool
	usage    string
}

// cmdSpec describes a server command that sends one command of
// services/command: its positional arguments become JSON fields in
// order, its flags typed fields.
type cmdSpec struct {
	use     string // "add MAP"
	short   string
	long    string
	example string
	name    command.Name
	args    []string // JSON fields of the positional arguments
	params  []param
}

func str(flag, json, usage string) param {
	return param{flag: flag, json: json, kind: pString, usage: usage}
}
func req(p param) param { p.required = true; return p }
func pick(flag, json string, values []string, usage string) param {
	return param{flag: flag, json: json, kind: pChoice, values: values, usage: usage}
}
func flagBool(flag, json, usage string) param {
	return param{flag: flag, json: json, kind: pBool, values: []string{"true", "false"}, usage: usage}
}
func num(flag, json string, lo, hi int, usage string) param {
	return param{flag: flag, json: json, kind: pInt, lo: lo, hi: hi, usage: usage}
}

// meta holds the flags every command has (command.Meta).
type meta struct {
	validTime       date.Date
	expectedVersion int
	commandID       string
}

// newSpecCommand builds the cobra command of a spec.
func newSpecCommand(s cmdSpec, o *serverOptions, stdout io.Writer) *cobra.Command {
	var names []string
	for _, a := range s.args {
		names = append(names, argName(a))
	}
	cmd := &cobra.Command{
		Use:     strings.Join(append([]string{s.use}, flagSynopsis(s.params)...), " "),
		Short:   s.short,
		Long:    s.long,
		Example: s.example,
		Args:    positional(names...),
	}
	if s.long == "" {
		cmd.Long = s.short + ".\n\nSends the command " + string(s.name) + " (POST /v1/commands/" + string(s.name) + ")."
	}
	if len(s.args) > 0 && s.args[0] == "mapId" {
		cmd.ValidArgsFunction = completeMaps(o)
	} else {
		cmd.ValidArgsFunction = cobra.NoFileCompletions
	}
	fs := cmd.Flags()
	strVals := map[string]*string{}
	intVals := map[string]*int{}
	for _, p := range s.params {
		switch p.kind {
		case pString:
			strVals[p.flag] = fs.String(p.flag, "", p.usage)
			_ = cmd.RegisterFlagCompletionFunc(p.flag, cobra.NoFileCompletions)
		case pChoice, pBool:
			v := new(string)
			strVals[p.flag] = v
			choiceFlag(cmd, fs, v, p.flag, p.def, p.values, p.usage)
		case pInt:
			v := new(int)
			intVals[p.flag] = v
			fs.Var(rangeInt{p: v, lo: p.lo, hi: p.hi}, p.flag, p.usage)
		}
		if p.required {
			_ = cmd.MarkFlagRequired(p.flag)
		}
	}
	var m meta
	addMetaFlags(fs, &m)
	cmd.RunE = runE(func(cmd *cobra.Command, args []string) error {
		body := map[string]any{}
		for i, a := range args {
			body[s.args[i]] = a
		}
		for _, p := range s.params {
			given := cmd.Flags().Changed(p.flag)
			switch {
			case p.kind == pInt && given:
				body[p.json] = *intVals[p.flag]
			case p.kind == pBool && given:
				body[p.json] = *strVals[p.flag] == "true"
			case p.kind == pString && given, p.kind == pChoice && *strVals[p.flag] != "":
				body[p.json] = *strVals[p.flag]
			}
		}
		m.into(cmd.Flags(), body)
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		return sendCommand(cmd, o, stdout, string(s.name), b)
	})
	return cmd
}

// argName is the placeholder of a positional argument: mapId → MAP.
func argName(field string) string {
	switch field {
	case "mapId":
		return "MAP"
	case "actorId":
		return "ACTOR"
	case "relationId":
		return "RELATION"
	case "entryId":
		return "ENTRY"
	}
	return strings.ToUpper(field)
}

// flagSynopsis lists the required flags for the usage line.
func flagSynopsis(ps []param) []string {
	var out []string
	for _, p := range ps {
		if p.required {
			out = append(out, "--"+p.flag+" "+strings.ToUpper(p.flag))
		}
	}
	if len(out) < len(ps) {
		out = append(out, "[flags]")
	}
	return out
}

// addMetaFlags defines the flags of command.Meta.
func addMetaFlags(fs *pflag.FlagSet, m *meta) {
	fs.Var(dateValue{&m.validTime}, "valid-time", "the date the fact holds from (default today)")
	fs.Var(rangeInt{p: &m.expectedVersion, lo: 0, hi: 1 << 62}, "expected-version", "refuse (conflict, exit 4) unless the map or entry is at this version")
	fs.StringVar(&m.commandID, "command-id", "", "a UUID that makes the command idempotent: sending it again writes nothing new")
}

// into sets the given meta flags in a command body.
func (m *meta) into(fs *pflag.FlagSet, body map[string]any) {
	if fs.Changed("valid-time") {
		body["validTime"] = m.validTime.String()
	}
	if fs.Changed("expected-version") {
		body["expectedVersion"] = m.expectedVersion
	}
	if m.commandID != "" {
		body["commandId"] = m.commandID
	}
}

// sendCommand sends a command and prints its result.
func sendCommand(cmd *cobra.Command, o *serverOptions, stdout io.Writer, name string, body []byte) error {
	c, err := o.client()
	if err != nil {
		return err
	}
	res, raw, err := c.command(cmd.Context(), name, body)
	if err != nil {
		return err
	}
	if o.output == "json" {
		return printJSON(stdout, raw, nil)
	}
	return printResult(stdout, res)
}

// printResult writes a command result for people: what happened, then the
// ids it made, one per line, so that a script can pick them out.
func printResult(w io.Writer, res command.Result) error {
	dup := ""
	if res.Duplicate {
		dup = " (sent before: nothing new written)"
	}
	fmt.Fprintf(w, "%s %s version %d%s\n", res.Event, res.Aggregate, res.Version, dup)
	keys := make([]string, 0, len(res.IDs))
	for k := range res.IDs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\n", k, res.IDs[k])
	}
	return tw.Flush()
}

// specs are the typed commands, by group.
func actorSpecs() []cmdSpec {
	return []cmdSpec{
		{use: "add MAP", short: "place an actor on a map", name: command.CmdAddActor, args: []string{"mapId"},
			example: "  samspill actor add MAP --name 'Dr. Hansen' --kind person --level service --sector primary-health",
			params: []param{
				req(str("name", "name", "the actor's name (personal data on a citizen map)")),
				req(pick("kind", "kind", kindValues(), "what the actor is")),
				req(pick("level", "level", levelValues(), "the level of user influence")),
				req(pick("sector", "sector", sectorValues(), "the actor's sector")),
				str("directory", "directory", "the id of its directory entry (organisations and services)"),
				str("id", "actorId", "the actor's id, a UUID (default: the server makes one)"),
			}},
		{use: "assess MAP ACTOR", short: "record an actor's stakeholder assessment", name: command.CmdAssessActor, args: []string{"mapId", "actorId"},
			example: "  samspill actor assess MAP ACTOR --importance high --influence medium --attitude supportive",
			params: []param{
				pick("importance", "importance", scaleValues(), "importance to the person (betydning)"),
				pick("influence", "influence", scaleValues(), "influence over the person's services (påvirkningskraft)"),
				flagBool("problem-recognition", "problemRecognition", "Grunig & Hunt: does the actor recognise the problem"),
				flagBool("constraint-recognition", "constraintRecognition", "Grunig & Hunt: does the actor see constraints on acting"),
				flagBool("involvement", "involvement", "Grunig & Hunt: is the actor involved"),
				pick("linkage", "linkage", linkageValues(), "Grunig & Hunt's linkage"),
				pick("attitude", "attitude", attitudeValues(), "attitude to the person's goals"),
				str("role", "role", "what the actor does (free text)"),
				str("what-matters", "whatMatters", "what matters to the person, in their own words"),
			}},
		{use: "update MAP ACTOR", short: "correct an actor's description", name: command.CmdUpdateActor, args: []string{"mapId", "actorId"},
			params: []param{
				str("name", "name", "the actor's name"),
				pick("kind", "kind", kindValues(), "what the actor is"),
				pick("level", "level", levelValues(), "the level of user influence"),
				pick("sector", "sector", sectorValues(), "the actor's sector"),
				str("directory", "directory", "the id of its directory entry"),
			}},
		{use: "remove MAP ACTOR", short: "take an actor off a map (its active relations end with it)", name: command.CmdRemoveActor, args: []string{"mapId", "actorId"}},
	}
}

func relationSpecs() []cmdSpec {
	return []cmdSpec{
		{use: "add MAP", short: "join two actors of a map", name: command.CmdAddRelation, args: []string{"mapId"},
			example: "  samspill relation add MAP --from GP --to CITIZEN --type serves --quality good",
			params: []param{
				req(str("from", "from", "the actor the relation goes from")),
				req(str("to", "to", "the actor the relation goes to")),
				req(pick("type", "type", relationValues(), "what the relation is")),
				pick("quality", "quality", qualityValues(), "how well it works"),
				flagBool("formalised", "formalised", "a written agreement or plan membership"),
				num("trust", "trust", 1, 4, "PARTNER trust score"),
				num("value", "value", 1, 4, "PARTNER value score"),
				flagBool("inpatient", "inpatient", "an inpatient stay (serves)"),
				str("id", "relationId", "the relation's id, a UUID (default: the server makes one)"),
			}},
		{use: "update MAP RELATION", short: "change a relation", name: command.CmdUpdateRelation, args: []string{"mapId", "relationId"},
			params: []param{
				pick("quality", "quality", qualityValues(), "how well it works"),
				flagBool("formalised", "formalised", "a written agreement or plan membership"),
				num("trust", "trust", 1, 4, "PARTNER trust score"),
				num("value", "value", 1, 4, "PARTNER value score"),
				flagBool("inpatient", "inpatient", "an inpatient stay (serves)"),
			}},
		{use: "end MAP RELATION", short: "end a relation on the valid time", name: command.CmdEndRelation, args: []string{"mapId", "relationId"}},
		{use: "contact MAP RELATION", short: "record a contact over a relation on the valid time", name: command.CmdRecordContact, args: []string{"mapId", "relationId"},
			params: []param{
				str("mode", "mode", "how: meeting, phone, video…"),
				str("note", "note", "a note (free text)"),
			}},
	}
}

func coordinatorSpecs() []cmdSpec {
	return []cmdSpec{
		{use: "assign MAP ACTOR", short: "make an actor the person's coordinator", name: command.CmdAssignCoordinator, args: []string{"mapId", "actorId"},
			params: []param{str("relation", "relationId", "the coordinates relation: an active one, or the id of a new one")}},
		{use: "offer MAP", short: "record that a coordinator was offered", name: command.CmdOfferCoordinator, args: []string{"mapId"},
			params: []param{str("actor", "actorId", "the actor offered as coordinator")}},
		{use: "decline MAP", short: "record that the person declined a coordinator", name: command.CmdDeclineCoordinator, args: []string{"mapId"}},
		{use: "end MAP", short: "end the coordinator's role", name: command.CmdEndCoordinator, args: []string{"mapId"}},
	}
}

func planSpecs() []cmdSpec {
	return []cmdSpec{
		{use: "create MAP FORUM", short: "start the individual plan; FORUM is the forum actor standing for it", name: command.CmdCreatePlan, args: []string{"mapId", "actorId"}},
		{use: "add-member MAP ACTOR", short: "make an actor a member of the plan", name: command.CmdAddPlanMember, args: []string{"mapId", "actorId"},
			params: []param{str("relation", "relationId", "the id of the member-of relation (default: the server makes one)")}},
		{use: "remove-member MAP ACTOR", short: "end an actor's membership of the plan", name: command.CmdRemovePlanMember, args: []string{"mapId", "actorId"}},
		{use: "review MAP", short: "record a review of the plan", name: command.CmdReviewPlan, args: []string{"mapId"}},
		{use: "decline MAP", short: "record that the person declined a plan", name: command.CmdDeclinePlan, args: []string{"mapId"}},
		{use: "close MAP", short: "close the plan", name: command.CmdClosePlan, args: []string{"mapId"}},
	}
}

func participationSpecs() []cmdSpec {
	return []cmdSpec{
		{use: "record MAP", short: "record the person's participation level (1–5 on Shier's ladder)", name: command.CmdRecordParticipation, args: []string{"mapId"},
			params: []param{
				req(num("level", "level", 1, 5, "1 listened to … 5 shares power and responsibility")),
				str("assessed-by", "assessedBy", "who assessed it (the person, the coordinator…)"),
				str("note", "note", "a note (free text)"),
			}},
	}
}

func consentSpecs() []cmdSpec {
	return []cmdSpec{
		{use: "record MAP ACTOR", short: "record a next of kin's consent", name: command.CmdRecordConsent, args: []string{"mapId", "actorId"},
			params: []param{req(pick("status", "status", consentValues(), "the consent"))}},
	}
}

func directorySpecs() []cmdSpec {
	return []cmdSpec{
		{use: "register ENTRY", short: "register an organisation or service in the directory", name: command.CmdRegisterEntry, args: []string{"entryId"},
			example: "  samspill directory register nav-grorud --name 'NAV Grorud' --kind service --sector welfare-work --municipality 0301",
			params: []param{
				req(str("name", "name", "the entry's name")),
				req(pick("kind", "kind", entryValues(), "what the entry is")),
				req(pick("sector", "sector", sectorValues(), "its sector")),
				req(str("municipality", "municipality", "its municipality number")),
				str("parent", "parent", "the entry it belongs to"),
				str("org-number", "orgNumber", "its organisation number"),
			}},
		{use: "update ENTRY", short: "change fields of a directory entry", name: command.CmdUpdateEntry, args: []string{"entryId"},
			params: []param{
				str("name", "name", "the entry's name"),
				pick("sector", "sector", sectorValues(), "its sector"),
				str("municipality", "municipality", "its municipality number"),
				str("parent", "parent", "the entry it belongs to"),
				str("org-number", "orgNumber", "its organisation number"),
			}},
		{use: "retire ENTRY", short: "retire a directory entry", name: command.CmdRetireEntry, args: []string{"entryId"},
			params: []param{str("replaced-by", "replacedBy", "the entry that replaces it")}},
	}
}

// mapCommandSpecs are the map commands that send a command.
func mapCommandSpecs() []cmdSpec {
	open := pick("focus", "focus", focusValues(), "what the map is about")
	open.def = "citizen"
	return []cmdSpec{
		{use: "open", short: "open a map", name: command.CmdOpenMap,
			long: "Opens a map (command open_map). A citizen map needs --municipality; its\n--label and --citizen-name are personal data, sealed with the map's key\n(a first name and initial is enough; never a national identity number).",
			example: "  samspill map open --label 'Ola N.' --municipality 3203 --citizen-name 'Ola Nordmann'\n" +
				"  samspill map open --focus municipality --label Asker --municipality 3203",
			params: []param{
				req(str("label", "label", "the map's display name")),
				str("municipality", "municipality", "the municipality number (citizen and municipality maps)"),
				str("region", "region", "the region code (region maps)"),
				str("citizen-name", "citizenName", "the person's display name (citizen maps)"),
				open,
				str("id", "mapId", "the map's id, a UUID (default: the server makes one)"),
				str("citizen-id", "citizenId", "the citizen actor's id, a UUID (default: the server makes one)"),
			}},
		{use: "close MAP", short: "close a map", name: command.CmdCloseMap, args: []string{"mapId"},
			params: []param{req(pick("reason", "reason", []string{"follow-up-ended", "moved", "deceased", "duplicate", "other"}, "why the map is closed"))}},
		{use: "grant MAP", short: "assign the map to a coordinator (administrators)", name: command.CmdGrantAccess, args: []string{"mapId"},
			long:   "Assigns the map to the coordinator whose principal (subject) is --principal\n(command grant_access): from now on they may read and write it.",
			params: []param{req(str("principal", "principal", "the coordinator's principal, e.g. token:<id> or their sign-in subject"))}},
		{use: "revoke MAP", short: "end a coordinator's assignment to the map (administrators)", name: command.CmdRevokeAccess, args: []string{"mapId"},
			params: []param{req(str("principal", "principal", "the coordinator's principal"))}},
		{use: "erase MAP", short: "erase a map's personal data by shredding its key (cannot be undone)", name: command.CmdEraseMap, args: []string{"mapId"},
			params: []param{req(pick("basis", "basis", []string{"citizen-request", "retention-expired", "entered-in-error"}, "the legal basis of the erasure (citizen-request: GDPR art. 17)"))}},
	}
}

// specGroup makes a group command of specs with the server flags.
func specGroup(use, short string, specs []cmdSpec, stdout, stderr io.Writer) *cobra.Command {
	g := group(use, short, "", stderr)
	o := &serverOptions{}
	addServerFlags(g, o)
	for _, s := range specs {
		g.AddCommand(newSpecCommand(s, o, stdout))
	}
	return g
}

func cmdActor(stdout, stderr io.Writer) *cobra.Command {
	return specGroup("actor", "add, assess, update or remove a map's actors", actorSpecs(), stdout, stderr)
}

func cmdRelation(stdout, stderr io.Writer) *cobra.Command {
	return specGroup("relation", "add, update or end relations and record contacts", relationSpecs(), stdout, stderr)
}

func cmdCoordinator(stdout, stderr io.Writer) *cobra.Command {
	return specGroup("coordinator", "assign, offer, decline or end the person's coordinator", coordinatorSpecs(), stdout, stderr)
}

func cmdPlan(stdout, stderr io.Writer) *cobra.Command {
	return specGroup("plan", "the individual plan: create, members, review, decline, close", planSpecs(), stdout, stderr)
}

func cmdParticipation(stdout, stderr io.Writer) *cobra.Command {
	return specGroup("participation", "record the person's participation level", participationSpecs(), stdout, stderr)
}

func cmdConsent(stdout, stderr io.Writer) *cobra.Command {
	return specGroup("consent", "record a next of kin's consent", consentSpecs(), stdout, stderr)
}

// cmdCommand is the escape hatch: any command by name with a JSON body.
func cmdCommand(stdout io.Writer) *cobra.Command {
	o := &serverOptions{}
	var data string
	names := strs(command.Names())
	cmd := &cobra.Command{
		Use:   "command NAME --data JSON",
		Short: "send any command by its wire name with a JSON body",
		Long: "Sends one command of the command service (POST /v1/commands/NAME) with the\n" +
			"JSON object of --data as its body; --data @FILE reads it from a file, --data -\n" +
			"from standard input. The typed commands (map, actor, relation…) are easier;\n" +
			"this reaches every field. Commands: " + strings.Join(names, ", ") + ".",
		Example: `  samspill command add_actor --data '{"mapId":"…","kind":"person","level":"service","sector":"primary-health","name":"Dr. Hansen"}'`,
		Args:    positional("NAME"),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(names, args[0]) {
				return usageError{fmt.Sprintf("unknown command name %q: want one of %s", args[0], strings.Join(names, ", "))}
			}
			body := []byte(data)
			switch {
			case data == "-":
				b, err := io.ReadAll(cmd.InOrStdin())
				if err != nil {
					return fmt.Errorf("--data -: %w", err)
				}
				body = b
			case strings.HasPrefix(data, "@"):
				b, err := os.ReadFile(data[1:])
				if err != nil {
					return fmt.Errorf("--data: %w", err)
				}
				body = b
			}
			var obj map[string]any
			if err := json.Unmarshal(body, &obj); err != nil {
				return usageError{fmt.Sprintf("--data: want a JSON object: %v", err)}
			}
			return sendCommand(cmd, o, stdout, args[0], body)
		}),
	}
	addServerFlags(cmd, o)
	cmd.Flags().StringVar(&data, "data", "", "the command as a JSON `OBJECT`, @FILE or - (standard input)")
	_ = cmd.MarkFlagRequired("data")
	return cmd
}
