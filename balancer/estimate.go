package balancer

import (
	"unicode/utf8"

	"github.com/llxprt/llxprt-ls/providers"
)

// perMessageTokens is the framing each message costs (role markers).
const perMessageTokens = 4

// estimate returns the request's input tokens, or -1 when no known window
// can be exceeded. Every token is at least one byte, so a request whose
// byte length fits the smallest known window fits them all and is never
// counted: the hot path stays a length sum.
func (r *run) estimate() int {
	if r.b.smallest == 0 {
		return -1
	}
	n := len(r.req.System)
	for _, m := range r.req.Messages {
		n += len(m.Content) + perMessageTokens
	}
	if n <= r.b.smallest {
		return -1
	}
	return EstimateTokens(r.req)
}

// EstimateTokens approximates a request's input tokens: ASCII text at four
// bytes a token and other characters at two a token (BPE vocabularies such
// as o200k average about 4 bytes per token on English and code, and one to
// two characters per token on CJK), plus a few tokens per message. It leans
// low on purpose: a bucket wrongly skipped as too small costs more than an
// attempt the vendor rejects as too long, which fails over anyway.
func EstimateTokens(req *providers.Request) int {
	n := count(req.System)
	for _, m := range req.Messages {
		n += count(m.Content) + perMessageTokens
	}
	return n
}

func count(s string) int {
	ascii, other := 0, 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			ascii++
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		other++
		i += size
	}
	return (ascii+3)/4 + (other+1)/2
}
