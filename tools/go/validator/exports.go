//go:build wasip1

// The WebAssembly surface (built with -buildmode=c-shared: a reactor whose exports are called after
// _initialize). Memory is shared through alloc/free: the host allocates an input buffer, writes
// into it, calls, and frees it; every answer is a JSON buffer the host reads at the packed
// (pointer << 32 | length) result and then frees. Buffers are kept reachable in `pinned` until
// freed (Go's collector does not move objects, so a pointer stays valid while pinned).
//
// Exports: alloc(size) ptr; free(ptr); compile(ptr, len) result; validate(handle, ptr, len) result;
// release(handle). compile answers {"handle":n} or {"problems":[...]}; validate answers an Outcome
// (engine.go) or {"ok":false,"errors":[...]} for an unknown handle.
package main

import (
	"encoding/json"
	"fmt"
	"unsafe"
)

var (
	pinned     = map[uint32][]byte{}
	schemas    = map[uint32]*Schema{}
	nextHandle uint32
)

func main() {}

//go:wasmexport alloc
func alloc(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	buf := make([]byte, size)
	ptr := uint32(uintptr(unsafe.Pointer(&buf[0])))
	pinned[ptr] = buf
	return ptr
}

//go:wasmexport free
func free(ptr uint32) {
	delete(pinned, ptr)
}

func input(ptr, length uint32) []byte {
	return pinned[ptr][:length]
}

func answer(v any) uint64 {
	out, err := json.Marshal(v)
	if err != nil {
		out, _ = json.Marshal(map[string]any{"ok": false, "errors": problem("", "encoding the answer: "+err.Error())})
	}
	ptr := alloc(uint32(len(out)))
	copy(pinned[ptr], out)
	return uint64(ptr)<<32 | uint64(len(out))
}

// failed turns a panic inside the engine into an answer: a trap would leave the instance unusable.
// The apiserver likewise answers a request that panicked with an error and keeps serving.
func failed(result *uint64) {
	if r := recover(); r != nil {
		*result = answer(Outcome{Errors: problem("", fmt.Sprintf("the schema engine failed: %v", r))})
	}
}

//go:wasmexport compile
func compile(ptr, length uint32) (result uint64) {
	defer failed(&result)
	schema, problems := Compile(input(ptr, length))
	if schema == nil {
		return answer(map[string]any{"problems": problems})
	}
	nextHandle++
	schemas[nextHandle] = schema
	return answer(map[string]any{"handle": nextHandle})
}

//go:wasmexport validate
func validate(handle, ptr, length uint32) (result uint64) {
	defer failed(&result)
	schema, found := schemas[handle]
	if !found {
		return answer(Outcome{Errors: problem("", "no compiled schema has this handle (released?)")})
	}
	return answer(schema.Validate(input(ptr, length)))
}

//go:wasmexport release
func release(handle uint32) {
	delete(schemas, handle)
}
