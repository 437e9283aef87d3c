package report

import (
	"fmt"
	"strings"

	"example.com/gftrace/common/delivery"
)

// unseenHint is the advice after spans whose answers nobody saw (see
// delivery's unseen.go).
const unseenHint = "gf's otlphttp.Init cannot be given a client that reads the collector's answers: -provider own exports with the sample's own provider, which reads every answer (see docs/troubleshooting.md)."

// unseenSpans says what is known of the spans whose answers nobody saw.
const unseenSpans = "each export was answered 2xx, but neither gf's exporter nor this program reads those answers as OTLP, so the spans are unconfirmed"

// Answers is the line that says what this program saw of the collector
// when the exporter's answers are unseen (gf's otlphttp.Init) and its
// checks found an OTLP collector, or "".
func Answers(res delivery.Result) string {
	if !res.AnswersUnread || res.Unseen == 0 || res.Closing != nil {
		return ""
	}
	return "Answers unseen: an OTLP collector answered this program's checks before the first export and after the last; that does not prove that it answered each export in between (-provider own reads every answer)."
}

// cause is why not every span was delivered, or "": the check that found
// no OTLP collector after the unseen spans first, then the other cause, if
// any.
func cause(res delivery.Result, where string) string {
	unseen := res.UnseenCause()
	if unseen == "" {
		return res.Cause(where)
	}
	if res.Failed > 0 || res.Dropped > 0 {
		// The other cause may be the same finding, in the exporter's words.
		if other := res.Cause(where); other != "" && !strings.Contains(other, res.Closing.Error()) {
			return unseen + "; and " + other
		}
	}
	return unseen
}

// unseenSummary is Summary for spans whose answers nobody saw: they were
// sent, not delivered.
func unseenSummary(res delivery.Result, where, protocol, cause string) string {
	s := fmt.Sprintf("%d of %d spans sent to %s over %s, answers unseen: %s", res.Unseen, res.Recorded, where, protocol, unseenSpans)
	if cause != "" {
		return s + "; " + cause
	}
	return s + "."
}
