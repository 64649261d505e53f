package auth

// envVars lists each provider's environment variables in lookup order. The
// ids are the registry's canonical ones plus the OpenAI-compatible hosts
// people name directly.
var envVars = map[string][]string{
	"anthropic":  {"ANTHROPIC_API_KEY"},
	"openai":     {"OPENAI_API_KEY"},
	"gemini":     {"GEMINI_API_KEY", "GOOGLE_API_KEY"},
	"qwen":       {"DASHSCOPE_API_KEY"},
	"openrouter": {"OPENROUTER_API_KEY"},
	"deepseek":   {"DEEPSEEK_API_KEY"},
	"groq":       {"GROQ_API_KEY"},
	"xai":        {"XAI_API_KEY"},
	"mistral":    {"MISTRAL_API_KEY"},
	"together":   {"TOGETHER_API_KEY"},
	"fireworks":  {"FIREWORKS_API_KEY"},
	"cerebras":   {"CEREBRAS_API_KEY"},
	"moonshot":   {"MOONSHOT_API_KEY"},
	"zai":        {"ZAI_API_KEY"},
}

// EnvVars returns the environment variables that may hold provider's API key,
// in the order they are tried; nil for a provider without one (local servers,
// generic OpenAI-compatible endpoints).
func EnvVars(provider string) []string {
	return append([]string(nil), envVars[provider]...)
}
