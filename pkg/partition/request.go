package partition

import (
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
)

// msgRequest is a request forwarded to this instance, answered by an
// endpoint's micro handler as if it had come to the endpoint.
type msgRequest struct{ msg *nats.Msg }

func (r *msgRequest) Respond(data []byte, opts ...micro.RespondOpt) error {
	m := &nats.Msg{Data: data}
	for _, o := range opts {
		o(m)
	}
	if err := r.msg.RespondMsg(m); err != nil {
		return fmt.Errorf("partition: respond: %w", err)
	}
	return nil
}

func (r *msgRequest) RespondJSON(v any, opts ...micro.RespondOpt) error {
	b, err := json.Marshal(v)
	if err != nil {
		return micro.ErrMarshalResponse
	}
	return r.Respond(b, opts...)
}

func (r *msgRequest) Error(code, description string, data []byte, opts ...micro.RespondOpt) error {
	m := &nats.Msg{Data: data, Header: nats.Header{micro.ErrorHeader: {description}, micro.ErrorCodeHeader: {code}}}
	for _, o := range opts {
		o(m)
	}
	if err := r.msg.RespondMsg(m); err != nil {
		return fmt.Errorf("partition: respond: %w", err)
	}
	return nil
}

func (r *msgRequest) Data() []byte           { return r.msg.Data }
func (r *msgRequest) Headers() micro.Headers { return micro.Headers(r.msg.Header) }
func (r *msgRequest) Subject() string        { return r.msg.Subject }
func (r *msgRequest) Reply() string          { return r.msg.Reply }
