using System.Runtime.CompilerServices;

// Audio hot paths fill every buffer they use; zero-initialising stackalloc scratch is wasted work.
[module: SkipLocalsInit]
