package report

import (
	"fmt"
	"strings"

	"example.com/gftrace/common/delivery"
)

// unseenHint is the advice after spans whose answers nobody saw (see
// delivery's unseen.go).
const unseenHint = "gf's otlphttp.Init cannot be given a client that reads the collector's answers: -provider own exports with the sample's own provider, which reads every answer (see docs/troubleshooting.md)."

// Answers is the line that says how the delivered spans are known to be
// delivered, when the exporter's answers are unseen (gf's otlphttp.Init),
// or "".
func Answers(res delivery.Result) string {
	if !res.AnswersUnread || res.Delivered == 0 {
		return ""
	}
	const unseen = "Answers unseen: gf's OTLP/HTTP exporter counts any 2xx answer as delivered and this program cannot read its answers; "
	if res.Inconclusive != nil {
		return unseen + fmt.Sprintf("an OTLP collector answered this program's check before the first export, but the check after the last found %q, so the count rests on the exporter's word alone (-provider own reads every answer).", res.Inconclusive.Error())
	}
	return unseen + "an OTLP collector answered this program's checks before the first export and after the last, which does not prove that it answered every export in between (-provider own reads every answer)."
}

// cause is why not every span was delivered, or "": the spans whose
// answers nobody saw first, then the other cause, if any.
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
