from sochat.cli import main

main()
