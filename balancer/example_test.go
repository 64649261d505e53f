package balancer_test

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/providers"
)

// down always answers 503; up always answers "hello".
type down struct{}

func (down) Name() string { return "down" }
func (down) Stream(context.Context, *providers.Request) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		yield(providers.Event{}, &providers.Error{Provider: "down", Kind: providers.KindOverloaded, Status: 503, Message: "overloaded"})
	}
}

type up struct{}

func (up) Name() string { return "up" }
func (up) Stream(context.Context, *providers.Request) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		if yield(providers.Event{Kind: providers.EventText, Text: "hello"}, nil) {
			yield(providers.Event{Kind: providers.EventDone}, nil)
		}
	}
}

func Example() {
	s := balancer.DefaultSettings()
	s.RetryCount = 1
	lb, err := balancer.New("failover", []balancer.Bucket{
		{Provider: down{}, Model: "big"},
		{Provider: up{}, Model: "small"},
	}, s)
	if err != nil {
		panic(err)
	}
	var tr balancer.Trace
	req := &providers.Request{Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}
	for ev, err := range lb.StreamTrace(context.Background(), req, &tr) {
		if err != nil {
			panic(err)
		}
		if ev.Kind == providers.EventText {
			fmt.Println("text:", ev.Text)
		}
	}
	for _, a := range tr.Attempts {
		fmt.Println(strings.TrimSpace(a.Bucket + ": " + a.Outcome + " " + a.Reason))
	}
	fmt.Println("served by", tr.Served, "after", tr.Failovers, "failover")
	// Output:
	// text: hello
	// down/big: failed 503 overloaded: overloaded
	// up/small: served
	// served by up/small after 1 failover
}
