// Package user is the sample's traced work: GetUser gathers one user's data
// from three sources, and each of the four functions makes one span, so a
// call to GetUser becomes the tree
//
//	GetUser → GetInfo, GetDetail, GetScores
//
// GetUser also adds the user id to the trace's baggage, keeping what is
// there, which travels with the context (and, with a propagator, to every
// service downstream); the three children read it back from there and
// record it as baggage.user.id.
//
// Lookups that find nothing are traced the way a gRPC client would see them:
// the attribute rpc.grpc.status_code (NOT_FOUND = 5, INVALID_ARGUMENT = 3)
// and the span status Error with a message naming the id.
package user

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/net/gtrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	otelcodes "go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
)

// User is what GetUser returns. A part is nil when its lookup found nothing,
// so JSON shows a missing user as {} and a found one with its fields in this
// order: id, name, gender, site, email, math, english, chinese.
type User struct {
	*Info
	*Detail
	*Scores
}

// Info is a user's basic information.
type Info struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Gender int    `json:"gender"`
}

// Detail is a user's contact information.
type Detail struct {
	Site  string `json:"site"`
	Email string `json:"email"`
}

// Scores are a user's exam scores.
type Scores struct {
	Math    int `json:"math"`
	English int `json:"english"`
	Chinese int `json:"chinese"`
}

// Trace makes the trace a run of the sample makes, without printing the
// users: the root span main and GetUser for each id. The high-volume mode
// calls it once per trace.
func Trace(ids []int) {
	ctx, span := gtrace.NewSpan(context.Background(), "main")
	defer span.End()
	for _, id := range ids {
		GetUser(ctx, id)
	}
}

// GetUser retrieves and merges the data of user id.
func GetUser(ctx context.Context, id int) User {
	ctx, span := gtrace.NewSpan(ctx, "GetUser")
	defer span.End()
	span.SetAttributes(semconv.UserID(strconv.Itoa(id)))
	ctx = addToBaggage(ctx, baggageUserID, strconv.Itoa(id))

	if id < 1 {
		fail(ctx, span, codes.InvalidArgument, fmt.Sprintf("invalid user id %d", id))
		return User{}
	}
	u := User{GetInfo(ctx, id), GetDetail(ctx, id), GetScores(ctx, id)}
	if u.Info == nil {
		fail(ctx, span, codes.NotFound, fmt.Sprintf("user %d not found", id))
	}
	return u
}

// GetInfo retrieves the basic information of user id.
func GetInfo(ctx context.Context, id int) *Info {
	ctx, span := gtrace.NewSpan(ctx, "GetInfo")
	defer span.End()
	span.SetAttributes(userFromBaggage(ctx))

	if id != 100 {
		notFound(span, id)
		return nil
	}
	return &Info{ID: 100, Name: "john", Gender: 1}
}

// GetDetail retrieves the contact information of user id.
func GetDetail(ctx context.Context, id int) *Detail {
	ctx, span := gtrace.NewSpan(ctx, "GetDetail")
	defer span.End()
	span.SetAttributes(userFromBaggage(ctx))

	if id != 100 {
		notFound(span, id)
		return nil
	}
	return &Detail{Site: "https://goframe.org", Email: "john@goframe.org"}
}

// GetScores retrieves the exam scores of user id.
func GetScores(ctx context.Context, id int) *Scores {
	ctx, span := gtrace.NewSpan(ctx, "GetScores")
	defer span.End()
	span.SetAttributes(userFromBaggage(ctx))

	if id != 100 {
		notFound(span, id)
		return nil
	}
	return &Scores{Math: 100, English: 60, Chinese: 50}
}

// baggageUserID is the baggage key of the user id: the same name as the
// attribute on GetUser.
const baggageUserID = "user.id"

// addToBaggage adds one member to the baggage already in ctx. Unlike
// gtrace.SetBaggageValue, which replaces the whole baggage, it keeps what a
// caller sent. Baggage travels to every service downstream (and to any
// third party called with it), so put no personal data in it.
func addToBaggage(ctx context.Context, key, value string) context.Context {
	m, err := baggage.NewMemberRaw(key, value)
	if err != nil {
		return ctx // an invalid key: nothing to add
	}
	b, err := baggage.FromContext(ctx).SetMember(m)
	if err != nil {
		return ctx // over the W3C limits: keep the caller's baggage as it is
	}
	return baggage.ContextWithBaggage(ctx, b)
}

// userFromBaggage reads the user id that GetUser put into the baggage. The
// attribute's key says where the value came from, so in Jaeger it is not
// mistaken for the function's parameter.
func userFromBaggage(ctx context.Context) attribute.KeyValue {
	return attribute.String("baggage."+baggageUserID, gtrace.GetBaggageVar(ctx, baggageUserID).String())
}

// notFound marks a lookup span that found nothing for user id.
func notFound(span trace.Span, id int) {
	span.SetAttributes(grpcStatus(codes.NotFound))
	span.SetStatus(otelcodes.Error, fmt.Sprintf("user %d not found", id))
}

// fail marks the GetUser span as failed with a gRPC status code and logs a
// warning; g.Log() prints the trace id with it, so the line leads to the trace.
func fail(ctx context.Context, span trace.Span, code codes.Code, msg string) {
	span.SetAttributes(grpcStatus(code))
	span.SetStatus(otelcodes.Error, msg)
	g.Log().Warning(ctx, msg)
}

func grpcStatus(code codes.Code) attribute.KeyValue {
	return semconv.RPCGRPCStatusCodeKey.Int(int(code))
}
