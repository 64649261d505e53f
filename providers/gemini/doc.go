// Package gemini is the Gemini API adapter, built on google.golang.org/genai
// (Gemini API backend, never Vertex AI). [New] builds a [Client] from a
// providers.Config; [Client.Stream] calls
// POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse.
//
// TODO: full doc.
package gemini
