# bpf: automake fragment (filled in by the module)
