include $(sort $(wildcard $(BR2_EXTERNAL_NATTER_PATH)/package/*/*.mk))
