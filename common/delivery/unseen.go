package delivery

import (
	"context"
	"errors"
	"fmt"

	"example.com/gftrace/common/config"
)

// gf's otlphttp.Init builds its OTLP/HTTP exporter with a client of its own,
// which cannot be replaced: it counts any 2xx answer as delivered, follows
// redirects and misreads a partial success in a Content-Type with
// parameters, and no one outside it sees the answers. So on that path this
// program vouches only for what its own checks saw: the check before the
// first export (see reachable.go) and a closing check after the last. Spans
// the exporter counted as delivered after the last check that found an
// OTLP collector, when a later check found something else there (a page, a
// redirect, an answer the exporter misreads), are unconfirmed, not
// delivered. A later check that finds nobody, or no answer, proves nothing
// either way: the exporter's count stands, and the report says so. Both checks passing proves that an OTLP collector answered at
// those two moments, not that it answered each export in between (a
// round-robin proxy over a collector and a web page would pass). The own
// provider (-provider own, package provider) reads every answer with
// HTTPClient; so does the OTLP/gRPC exporter.

// AnswersUnread tells whether the exporter of cfg reads no answer that this
// program can see: gf's otlphttp.Init.
func AnswersUnread(cfg config.Config) bool {
	return cfg.Protocol == config.HTTP && cfg.HTTPClient == nil && cfg.Endpoint != ""
}

// closingCheck sends the collector an empty export after the last export,
// within answerLimit, and tells what it found, as the check before the
// first export does: nil for an OTLP collector, a verdict (see verdict) for
// a web page, a redirect or an answer the exporter misreads, which leaves
// the exports since the last good check unconfirmed. Anything else (no
// connection, no answer, a refusal) proves nothing either way: the
// exporter's count stands, and the report says what the check found.
func closingCheck(ctx context.Context, cfg config.Config) error {
	ctx, cancel := context.WithTimeout(ctx, answerLimit)
	defer cancel()
	found := check(ctx, cfg, false)
	if found == nil && ctx.Err() != nil {
		return errors.New("no answer within " + answerLimit.String())
	}
	return found
}

// UnseenCause says why r.Unseen spans are unconfirmed, or "" when none is.
func (r Result) UnseenCause() string {
	if r.Unseen == 0 {
		return ""
	}
	return fmt.Sprintf("%d spans unconfirmed: gf's OTLP/HTTP exporter counted them as delivered on answers it does not read and this program cannot see, and this program's check after them found no OTLP collector there (%s)",
		r.Unseen, describeCheck(r.Closing))
}

// describeCheck says what a check found, in a few words.
func describeCheck(err error) string {
	var unreadable *UnreadableError
	switch {
	case errors.As(err, &unreadable):
		return fmt.Sprintf("an answer in %q, in which the exporter cannot read the spans rejected", unreadable.ContentType)
	}
	return err.Error()
}
