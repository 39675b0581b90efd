# deploy/deploy.mk: make targets around deploy/ (included by the Makefile).
#
#   make deploy BOARD=rpi3 HOST=pi@raspberrypi.local [DEPLOY_ARGS="-p 9000"]
#   make deploy BOARD=rpi3 HOSTS=fleet.txt           every host in the file
#   make flash BOARD=rpi3 IMAGE=raspios.img [FLASH_ARGS="--port 9000"]
#   make check-service       systemd-analyze verify/security of the unit,
#                            and the Buildroot package check
.PHONY: deploy flash check-service

deploy:
	@test -n "$(BOARD)" || { echo "make deploy: set BOARD= (one of: $(basename $(notdir $(wildcard board/*.mk))))" >&2; exit 2; }
	@test -n "$(HOST)$(HOSTS)" || { echo "make deploy: set HOST=user@host or HOSTS=FILE" >&2; exit 2; }
	deploy/deploy $(DEPLOY_ARGS) $(BOARD) $(if $(HOSTS),-f $(HOSTS),$(HOST))

flash:
	@test -n "$(BOARD)" || { echo "make flash: set BOARD= (one of: $(basename $(notdir $(wildcard board/*.mk))))" >&2; exit 2; }
	@test -n "$(IMAGE)" || { echo "make flash: set IMAGE=file.img" >&2; exit 2; }
	deploy/flash $(FLASH_ARGS) $(BOARD) $(IMAGE)

check-service:
	deploy/check-unit
	board/buildroot/check
