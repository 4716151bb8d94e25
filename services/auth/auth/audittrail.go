package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/query"
)

// OpAudit is the operation of reading the audit trail, as the trail
// itself names it.
const OpAudit = "auth.audit"

// AuditAnswer is the records a query selected. When it holds Limit
// records there may be more: read on from the last record's time.
type AuditAnswer struct {
	Records []audit.Record `json:"records"`
	Limit   int            `json:"limit"`
}

// Audit reads the audit trail for an administrator. The read is decided
// and audited (allowed or refused) before anything is read, so the
// answer holds the record of this very read when the query selects it.
func (s *Service) Audit(ctx context.Context, q audit.Query) (*AuditAnswer, error) {
	if _, err := s.guard.Check(ctx, OpAudit, access.Read, access.Audit); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		var qe *audit.QueryError
		if errors.As(err, &qe) {
			return nil, query.Invalid(qe.Field, "%s", qe.Message)
		}
		return nil, err
	}
	if q.Limit == 0 {
		q.Limit = audit.DefaultLimit
	}
	recs, err := audit.Read(ctx, s.js, q)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return &AuditAnswer{Records: recs, Limit: q.Limit}, nil
}
