package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"example.com/gftrace/common/config"
)

// gf's otlphttp.Init builds its OTLP/HTTP exporter with a client of its own,
// which cannot be replaced: it counts any 2xx answer as exported, follows
// redirects and misreads a partial success in a Content-Type with
// parameters, and no one outside it sees the answers. So on that path no
// span counts as delivered: the spans the exporter counted as exported are
// unseen, sent and answered 2xx but unconfirmed. What this program sees is
// its own checks: the check before the first export (see reachable.go) and
// a closing check after the last. Either finding no OTLP collector (a page,
// a redirect, an answer the exporter misreads, or nobody) fails the run.
// Both finding one proves that an OTLP collector answered at those two
// moments, not that it answered each export in between (a round-robin
// proxy over a collector and a web page passes both). The own provider
// (-provider own, package provider) reads every answer with HTTPClient; so
// does the OTLP/gRPC exporter.

// AnswersUnread tells whether the exporter of cfg reads no answer that this
// program can see: gf's otlphttp.Init.
func AnswersUnread(cfg config.Config) bool {
	return cfg.Protocol == config.HTTP && cfg.HTTPClient == nil && cfg.Endpoint != ""
}

// closingCheck sends the collector an empty export after the last export,
// until deadline (at least answerLimit), and tells what it found, as the
// check before the first export does: nil for an OTLP collector; otherwise
// what it found instead (a page, a redirect, an answer the exporter
// misreads, no connection, no answer, a refusal), which fails the run. The
// deadline is the end of -timeout: a slow collector is not an absent one.
func closingCheck(ctx context.Context, cfg config.Config, deadline time.Time) error {
	limit := max(answerLimit, time.Until(deadline))
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	found := check(ctx, cfg, false)
	if found == nil && ctx.Err() != nil {
		return errors.New("no answer within " + limit.Round(time.Millisecond).String())
	}
	return found
}

// UnseenCause says why the run failed when a check after the unseen spans
// found no OTLP collector, or "".
func (r Result) UnseenCause() string {
	if r.Unseen == 0 || r.Closing == nil {
		return ""
	}
	found := r.Closing.Error() // what the check found, in a few words
	var unreadable *UnreadableError
	var status *statusError
	switch {
	case errors.As(r.Closing, &unreadable):
		found = fmt.Sprintf("an answer in %q, in which the exporter cannot read the spans rejected", unreadable.ContentType)
	case errors.As(r.Closing, &status):
		found = "a refusal: " + status.status
	}
	return fmt.Sprintf("this program's check after the last export found no OTLP collector there (%s)", found)
}
