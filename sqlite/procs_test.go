package sqlite

import (
	"os"
	"runtime"
	"testing"
)

// TestRaiseProcs checks that RaiseProcs adds extraProcs to the runtime's
// default once however often it is called, and that the read pool keeps
// two readers per CPU. It changes the process's GOMAXPROCS, and so does
// not run in parallel; it puts the default back.
func TestRaiseProcs(t *testing.T) {
	if os.Getenv("GOMAXPROCS") != "" {
		t.Skip("GOMAXPROCS is set: RaiseProcs leaves it")
	}
	t.Cleanup(func() { runtime.SetDefaultGOMAXPROCS() })
	runtime.SetDefaultGOMAXPROCS()
	def := runtime.GOMAXPROCS(0)
	for i := 0; i < 2; i++ {
		if n := RaiseProcs(); n != def {
			t.Fatalf("RaiseProcs() = %d, want the default %d", n, def)
		}
		if got := runtime.GOMAXPROCS(0); got != def+extraProcs {
			t.Fatalf("GOMAXPROCS = %d after RaiseProcs, want %d", got, def+extraProcs)
		}
	}
	if got := defaultReaders(); got != 2*def {
		t.Errorf("defaultReaders() = %d, want %d", got, 2*def)
	}
}
