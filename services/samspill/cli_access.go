package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/services/auth/auth"
)

// cmdToken is `samspill token`: an administrator's API tokens.
func cmdToken(stdout, stderr io.Writer) *cobra.Command {
	g := group("token", "make, list or revoke API tokens (administrators)",
		"API tokens let people and systems sign in to the HTTP API and NATS\n"+
			"(--token, $SAMSPILL_TOKEN). Only an administrator manages them; every\n"+
			"change is written to the audit trail.", stderr)
	o := &serverOptions{}
	addServerFlags(g, o)

	var spec auth.TokenSpec
	var role string
	var expires date.Date
	create := &cobra.Command{
		Use:   "create --name NAME --role ROLE [--municipality N] [--grant SUBJECT]… [--expires DATE]",
		Short: "make an API token (shown once)",
		Long: "Makes an API token (POST /v1/tokens) and prints it: this is the only time its\n" +
			"secret is shown. An analyst needs --municipality; an integration needs at least\n" +
			"one --grant, a resource subject such as area.3301.read or bundle.3301.read.",
		Example: "  samspill token create --name 'Kari Nordmann' --role coordinator --municipality 3203\n" +
			"  samspill token create --name 'Regional dashboard' --role integration --grant 'area.*.read'",
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			spec.Role = access.Role(role)
			if !expires.IsZero() {
				// The end of the day named, in UTC.
				spec.ExpiresAt = expires.Time().Add(24*time.Hour - time.Second)
			}
			body, err := json.Marshal(spec)
			if err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			b, _, err := c.do(cmd.Context(), http.MethodPost, "/v1/tokens", nil, body)
			if err != nil {
				return err
			}
			if o.output == "json" {
				return printJSON(stdout, b, nil)
			}
			var t auth.CreatedToken
			if err := json.Unmarshal(b, &t); err != nil {
				return fmt.Errorf("POST /v1/tokens: the answer is not what samspill expects: %w", err)
			}
			tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "token\t%s\nid\t%s\nsubject\t%s\nrole\t%s\nexpires\t%s\n", t.Credential, t.ID, t.Subject, t.Role, t.ExpiresAt.Format(time.RFC3339))
			fmt.Fprintln(tw, "\tKeep the token secret: it is not shown again.")
			return tw.Flush()
		}),
	}
	fs := create.Flags()
	fs.StringVar(&spec.Name, "name", "", "whose or what the token is (1–100 characters)")
	choiceFlag(create, fs, &role, "role", "", roleNames(), "the token's role")
	fs.StringVar(&spec.Municipality, "municipality", "", "the municipality `number` the role is bound to (an analyst's)")
	fs.StringArrayVar(&spec.Grants, "grant", nil, "an integration's resource `SUBJECT` (repeatable)")
	fs.Var(dateValue{&expires}, "expires", "when the token stops working, a `DATE` (default in 90 days, at most 365)")
	_ = create.MarkFlagRequired("name")
	_ = create.MarkFlagRequired("role")

	list := &cobra.Command{
		Use:   "list",
		Short: "list the API tokens (never their secrets)",
		Args:  noArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			var l auth.TokenList
			if text, err := o.read(cmd.Context(), stdout, "/v1/tokens", nil, &l); !text {
				return err
			}
			if len(l.Tokens) == 0 {
				_, err := fmt.Fprintln(stdout, "No tokens.")
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tROLE\tMUNICIPALITY\tGRANTS\tEXPIRES\tCREATED BY")
			for _, t := range l.Tokens {
				exp := t.ExpiresAt.Format("2006-01-02")
				if t.Expired {
					exp += " (expired)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, dash(t.Municipality), dash(strings.Join(t.Grants, " ")), exp, t.CreatedBy)
			}
			return tw.Flush()
		}),
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "revoke an API token at once",
		Args:  positional("ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			b, _, err := c.do(cmd.Context(), http.MethodDelete, "/v1/tokens/"+url.PathEscape(args[0]), nil, nil)
			if err != nil {
				return err
			}
			if o.output == "json" {
				return printJSON(stdout, b, nil)
			}
			_, err = fmt.Fprintf(stdout, "Revoked %s.\n", args[0])
			return err
		}),
	}
	g.AddCommand(create, list, revoke)
	return g
}

// cmdAudit is `samspill audit`: an administrator reads the audit trail.
func cmdAudit(stdout io.Writer) *cobra.Command {
	o := &serverOptions{}
	var q struct {
		from, to                                  string
		subject, resource, service, kind, outcome string
		limit                                     int
	}
	var format string
	cmd := &cobra.Command{
		Use:   "audit [--from T] [--to T] [--subject S] [--map ID] [--outcome allowed|denied] [--format text|json|csv|jsonl]",
		Short: "read the audit trail: who read or wrote what, when and why (administrators)",
		Long: "Reads the audit trail (GET /v1/audit): every read and write of a map or an\n" +
			"area, every refusal and every administrative act, with who (a pseudonymous\n" +
			"subject and role), when, what (operation, resource) and why (purpose of use).\n" +
			"--format csv or jsonl writes it for a supervisor or a spreadsheet.",
		Example: "  samspill audit --map 6f1c2a9e-4b7d-4e21-9a3b-0c5d7e8f9a10\n" +
			"  samspill audit --outcome denied --from 2026-11-01 --format csv > refusals.csv",
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			v := url.Values{}
			for name, val := range map[string]string{"from": q.from, "to": q.to, "subject": q.subject, "resource": q.resource,
				"service": q.service, "kind": q.kind, "outcome": q.outcome} {
				if val != "" {
					v.Set(name, val)
				}
			}
			if cmd.Flags().Changed("limit") {
				v.Set("limit", strconv.Itoa(q.limit))
			}
			return printAudit(cmd.Context(), o, stdout, v, format)
		}),
	}
	addConnFlags(cmd, cmd.Flags(), o)
	fs := cmd.Flags()
	fs.StringVar(&q.from, "from", "", "records from this `TIME` (RFC 3339, or a date)")
	fs.StringVar(&q.to, "to", "", "records up to this `TIME` (RFC 3339, or a date: its end)")
	fs.StringVar(&q.subject, "subject", "", "only this principal's records")
	fs.StringVar(&q.resource, "map", "", "only the records of this map `ID` (or municipality)")
	fs.StringVar(&q.service, "service", "", "only this service's records (command, graph, gap, picture, auth)")
	fs.StringVar(&q.kind, "kind", "", "only this kind of resource (map, maps, area, bundle, directory, audit, tokens)")
	choiceFlag(cmd, fs, &q.outcome, "outcome", "", []string{"allowed", "denied"}, "only allowed or only denied requests")
	fs.Var(rangeInt{p: &q.limit, lo: 1, hi: 10000}, "limit", "at most this many records (default 1000)")
	choiceFlag(cmd, fs, &format, "format", "text", []string{"text", "json", "csv", "jsonl"}, "text for people; json, csv or jsonl to keep")
	return cmd
}

func printAudit(ctx context.Context, o *serverOptions, stdout io.Writer, q url.Values, format string) error {
	c, err := o.client()
	if err != nil {
		return err
	}
	path := map[string]string{"text": "/v1/audit", "json": "/v1/audit", "csv": "/v1/audit.csv", "jsonl": "/v1/audit.jsonl"}[format]
	b, err := c.get(ctx, path, q)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return printJSON(stdout, b, nil)
	case "csv", "jsonl":
		_, err := stdout.Write(b)
		return err
	}
	var ans auth.AuditAnswer
	if err := json.Unmarshal(b, &ans); err != nil {
		return fmt.Errorf("GET /v1/audit: the answer is not what samspill expects: %w", err)
	}
	if len(ans.Records) == 0 {
		_, err := fmt.Fprintln(stdout, "No records.")
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSUBJECT\tROLE\tPURPOSE\tOPERATION\tRESOURCE\tOUTCOME\tREASON")
	for _, r := range ans.Records {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.Format(time.RFC3339), r.Subject, r.Role, dash(r.Purpose),
			r.Operation, dash(r.Resource), r.Outcome, dash(r.Reason))
	}
	return tw.Flush()
}

func roleNames() []string {
	var out []string
	for _, r := range access.Roles() {
		out = append(out, string(r))
	}
	return out
}
