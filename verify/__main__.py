from verify.cli import console_main

console_main()
