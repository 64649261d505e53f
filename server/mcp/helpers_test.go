package mcp

import "time"

func afterWindow() <-chan time.Time { return time.After(coalesce + time.Millisecond) }
