package report

import "example.com/gftrace/common/delivery"

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
	return "Answers unseen: gf's OTLP/HTTP exporter counts any 2xx answer as delivered and this program cannot read its answers; an OTLP collector answered this program's checks before the first export and after the last, which does not prove that it answered every export in between (-provider own reads every answer)."
}

// cause is why not every span was delivered, or "": the spans whose
// answers nobody saw first, then the other cause, if any.
func cause(res delivery.Result, where string) string {
	unseen := res.UnseenCause()
	if unseen == "" {
		return res.Cause(where)
	}
	if res.Failed > 0 || res.Dropped > 0 {
		if other := res.Cause(where); other != "" {
			return unseen + "; and " + other
		}
	}
	return unseen
}
